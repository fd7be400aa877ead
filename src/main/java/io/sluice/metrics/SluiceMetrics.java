package io.sluice.metrics;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one metric registry of a Sluice process: per member, pool, route and https listener, and JVM metrics,
 * visible as JMX MBeans (domain "sluice") and rendered as Prometheus text by
 * {@link PrometheusText}. Outlives generations, so counters survive reloads.
 */
public final class SluiceMetrics implements AutoCloseable {
    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, MemberMetrics> members = new ConcurrentHashMap<>();
    private final Map<String, PoolMetrics> pools = new ConcurrentHashMap<>();
    private final JmxReporter jmx;
    private final Map<String, com.codahale.metrics.Counter> routes = new ConcurrentHashMap<>();
    private final Map<String, com.codahale.metrics.Counter> rateLimited = new ConcurrentHashMap<>();
    private final Map<String, ListenerTlsMetrics> listenerTls = new ConcurrentHashMap<>();
    private final Map<String, io.sluice.http.Refusals> refusals = new ConcurrentHashMap<>();
    private final Map<String, ListenerAdmissionMetrics> listenerAdmission = new ConcurrentHashMap<>();
    /** Request bodies aborted by limits.body-idle-timeout, on any listener. */
    private final com.codahale.metrics.Counter bodyIdleTimeouts;
    /** The process-wide connection count, once the server has one. */
    private volatile io.sluice.listener.Admission admission;
    /** Connections open per running listener, replaced on every start and reload. */
    private volatile Map<String, io.sluice.listener.ListenerGate> gates = Map.of();
    /** The running listeners' own counters, replaced on every start and reload. */
    private volatile Map<String, io.undertow.server.ConnectorStatistics> listeners = Map.of();

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

    Map<String, com.codahale.metrics.Counter> rateLimited() {
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

    /** TLS handshakes of an https listener, kept by listener name across reloads. */
    public ListenerTlsMetrics listenerTls(String listener) {
        return listenerTls.computeIfAbsent(listener, key -> new ListenerTlsMetrics(registry, listener));
    }

    /** Requests a listener refused (strict parsing, Host checks), kept by listener name across reloads. */
    public io.sluice.http.Refusals refusals(String listener) {
        return refusals.computeIfAbsent(listener, io.sluice.http.Refusals::new);
    }

    Iterable<io.sluice.http.Refusals> listenerRefusals() {
        return refusals.values();
    }

    /** Admission counters of a traffic listener, kept by listener name across reloads. */
    public ListenerAdmissionMetrics listenerAdmission(String listener) {
        return listenerAdmission.computeIfAbsent(listener, key -> new ListenerAdmissionMetrics(registry, listener));
    }

    /** Counts one request body aborted by limits.body-idle-timeout. */
    public com.codahale.metrics.Counter bodyIdleTimeouts() {
        return bodyIdleTimeouts;
    }

    public void admission(io.sluice.listener.Admission admission) {
        this.admission = admission;
    }

    io.sluice.listener.Admission admission() {
        return admission;
    }

    public void listeners(Map<String, io.undertow.server.ConnectorStatistics> running) {
        this.listeners = Map.copyOf(running);
    }

    public void gates(Map<String, io.sluice.listener.ListenerGate> running) {
        this.gates = Map.copyOf(running);
    }

    Map<String, io.sluice.listener.ListenerGate> gates() {
        return gates;
    }

    Iterable<ListenerAdmissionMetrics> admissionListeners() {
        return listenerAdmission.values();
    }

    Map<String, io.undertow.server.ConnectorStatistics> listeners() {
        return listeners;
    }

    Iterable<ListenerTlsMetrics> tlsListeners() {
        return listenerTls.values();
    }

    Map<String, com.codahale.metrics.Counter> routes() {
        return routes;
    }

    Iterable<MemberMetrics> members() {
        return members.values();
    }

    Iterable<PoolMetrics> pools() {
        return pools.values();
    }

    @Override
    public void close() {
        jmx.stop();
    }
}
