package io.sluice.metrics;

import io.sluice.admin.PrometheusText;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one metric registry of a Sluice process: per member, pool and route, and JVM metrics, visible as
 * JMX MBeans (domain "sluice"); the listeners register theirs in the same registry
 * (io.sluice.listener.ListenerMetrics). Outlives generations, so counters survive reloads.
 */
public final class SluiceMetrics implements AutoCloseable {
    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, MemberMetrics> members = new ConcurrentHashMap<>();
    private final Map<String, PoolMetrics> pools = new ConcurrentHashMap<>();
    private final JmxReporter jmx;
    private final Map<String, com.codahale.metrics.Counter> routes = new ConcurrentHashMap<>();
    private final Map<String, com.codahale.metrics.Counter> rateLimited = new ConcurrentHashMap<>();
    /** Request bodies aborted by limits.body-idle-timeout, on any listener. */
    private final com.codahale.metrics.Counter bodyIdleTimeouts;

    public SluiceMetrics() {
        registry.register("jvm.memory", new MemoryUsageGaugeSet());
        registry.register("jvm.gc", new GarbageCollectorMetricSet());
        registry.register("jvm.threads", new ThreadStatesGaugeSet());
        this.bodyIdleTimeouts = registry.counter("sluice.request-body-idle-timeouts");
        this.jmx = JmxReporter.forRegistry(registry).inDomain("sluice").build();
        jmx.start();
    }

    public MetricRegistry registry() {
        return registry;
    }

    public MemberMetrics member(String pool, String member) {
        return members.computeIfAbsent(pool + "\u0000" + member, key -> new MemberMetrics(registry, pool, member));
    }

    public PoolMetrics pool(String pool) {
        return pools.computeIfAbsent(pool, key -> new PoolMetrics(registry, pool));
    }

    /** Requests refused by a rate limit: scope "sluice" for the Sluice-wide one, else the route's name. */
    public com.codahale.metrics.Counter rateLimited(String scope) {
        return rateLimited.computeIfAbsent(scope, key -> registry.counter(MetricRegistry.name("sluice", "rate-limited", scope)));
    }

    public Map<String, com.codahale.metrics.Counter> rateLimited() {
        return rateLimited;
    }

    /** Requests a route matched, kept by route name across reloads. */
    public com.codahale.metrics.Counter route(String name) {
        return routes.computeIfAbsent(name, key -> registry.counter(MetricRegistry.name("sluice", "route", name, "requests")));
    }

    /** Requests the route of this name has matched since the process started (0 before the first). */
    public long routeRequests(String name) {
        com.codahale.metrics.Counter counter = routes.get(name);
        return counter == null ? 0 : counter.getCount();
    }

    /** Counts one request body aborted by limits.body-idle-timeout. */
    public com.codahale.metrics.Counter bodyIdleTimeouts() {
        return bodyIdleTimeouts;
    }

    public Map<String, com.codahale.metrics.Counter> routes() {
        return routes;
    }

    public Iterable<MemberMetrics> members() {
        return members.values();
    }

    public Iterable<PoolMetrics> pools() {
        return pools.values();
    }

    @Override
    public void close() {
        jmx.stop();
    }
}
