package io.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A whole, validated configuration: what one generation is built from. */
public record SluiceConfig(
        Path source,
        List<ListenerConfig> listeners,
        List<RouteConfig> routes,
        Map<String, PoolConfig> pools,
        Set<String> denyMethods,
        List<Cidr> trustedProxies,
        HeadersConfig headers,
        LimitsConfig limits,
        AccessLogConfig accessLog,
        int ioThreads,
        Duration drainTimeout,
        Path controlSocket,
        AdminConfig admin,
        RateLimitConfig rateLimit,
        ClusterConfig cluster) {

    public SluiceConfig {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        pools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pools));
        denyMethods = Set.copyOf(denyMethods);
        trustedProxies = List.copyOf(trustedProxies);
    }

    public ListenerConfig listener(String name) {
        for (ListenerConfig listener : listeners) {
            if (listener.name().equals(name)) {
                return listener;
            }
        }
        return null;
    }
}
