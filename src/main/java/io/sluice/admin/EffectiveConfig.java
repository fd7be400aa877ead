package io.sluice.admin;

import io.sluice.config.CertificateSource;
import io.sluice.config.ListenerConfig;
import io.sluice.config.MemberConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.RouteConfig;
import io.sluice.config.SluiceConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The configuration the running generation was built from, as JSON, with every secret left out. */
final class EffectiveConfig {
    private EffectiveConfig() {
    }

    static Map<String, Object> describe(SluiceConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", config.source().toString());
        List<Object> listeners = new ArrayList<>();
        for (ListenerConfig listener : config.listeners()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("name", listener.name());
            l.put("bind", String.valueOf(listener.bind()));
            l.put("protocol", listener.protocol());
            l.put("http2", listener.http2());
            l.put("redirectTo", listener.redirectTo());
            l.put("h2c", listener.h2c());
            l.put("maxConnections", listener.maxConnections());
            l.put("serverNames", listener.serverNames());
            if (listener.isHttps()) {
                l.put("tlsEngine", listener.tls().engine().name().toLowerCase(Locale.ROOT));
                l.put("tlsProtocols", listener.tls().protocols());
                l.put("certificates", listener.tls().certificates().stream().map(CertificateSource::describe).toList());
            }
            listeners.add(l);
        }
        out.put("listeners", listeners);
        List<Object> routes = new ArrayList<>();
        for (RouteConfig route : config.routes()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", route.name());
            r.put("prefix", route.prefix());
            r.put("host", route.host());
            r.put("pool", route.pool());
            r.put("rewrite", route.rewrite());
            r.put("status", route.status());
            r.put("denyMethods", List.copyOf(route.denyMethods()));
            routes.add(r);
        }
        out.put("routes", routes);
        Map<String, Object> pools = new LinkedHashMap<>();
        for (PoolConfig pool : config.pools().values()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("method", pool.method().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            p.put("affinity", pool.sticky().modes().stream().map(mode -> mode.name().toLowerCase(Locale.ROOT)).toList());
            p.put("failover", pool.sticky().failover());
            p.put("insertSecret", pool.sticky().insert().secret().isEmpty() ? "none" : "set (not shown)");
            p.put("healthPath", pool.health().path());
            p.put("connectTimeoutMs", pool.connectTimeout().toMillis());
            p.put("responseTimeoutMs", pool.responseTimeout().toMillis());
            p.put("backendTlsVerify", pool.tls().verify());
            List<Object> members = new ArrayList<>();
            for (MemberConfig member : pool.members()) {
                members.add(Map.of("name", member.name(), "url", member.url().toString(), "route", member.route(),
                        "weight", member.weight(), "state", member.state().configName()));
            }
            p.put("members", members);
            pools.put(pool.name(), p);
        }
        out.put("pools", pools);
        Map<String, Object> admin = new LinkedHashMap<>();
        admin.put("bind", String.valueOf(config.admin().bind()));
        admin.put("users", config.admin().users().stream().map(user -> user.name()).toList()); // never the hashes
        admin.put("token", config.admin().tokenFile() == null ? "none" : "from a file (not shown)");
        admin.put("openRead", config.admin().openRead());
        out.put("admin", admin);
        if (config.cluster().enabled()) {
            Map<String, Object> cluster = new LinkedHashMap<>();
            cluster.put("name", config.cluster().name());
            cluster.put("bind", String.valueOf(config.cluster().bind()));
            cluster.put("peers", config.cluster().peers().stream().map(String::valueOf).toList());
            cluster.put("dns", config.cluster().dns());
            cluster.put("secret", "from a file (not shown)");
            out.put("cluster", cluster);
        }
        return out;
    }
}
