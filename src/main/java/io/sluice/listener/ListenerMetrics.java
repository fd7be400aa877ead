package io.sluice.listener;

import com.codahale.metrics.MetricRegistry;
import io.sluice.http.Refusals;
import io.undertow.server.ConnectorStatistics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The traffic listeners' metrics: counters kept by listener name for the life of the process
 * (TLS handshakes, refused requests, admission events), registered in the process's registry so
 * JMX shows them too, and the running listeners' live values (open connections, Undertow's
 * counters), replaced on every start and reload.
 */
public final class ListenerMetrics {
    private final MetricRegistry registry;
    private final Map<String, ListenerTlsMetrics> tls = new ConcurrentHashMap<>();
    private final Map<String, Refusals> refusals = new ConcurrentHashMap<>();
    private final Map<String, ListenerAdmissionMetrics> admissionEvents = new ConcurrentHashMap<>();
    private final Admission admission;
    private volatile Map<String, ListenerGate> gates = Map.of();
    private volatile Map<String, ConnectorStatistics> statistics = Map.of();

    public ListenerMetrics(MetricRegistry registry, Admission admission) {
        this.registry = registry;
        this.admission = admission;
    }

    /** TLS handshakes of an https listener. */
    public ListenerTlsMetrics tls(String listener) {
        return tls.computeIfAbsent(listener, key -> new ListenerTlsMetrics(registry, listener));
    }

    /** Requests a listener refused (strict parsing, Host checks). */
    public Refusals refusals(String listener) {
        return refusals.computeIfAbsent(listener, Refusals::new);
    }

    /** Admission counters of a traffic listener. */
    public ListenerAdmissionMetrics admissionEvents(String listener) {
        return admissionEvents.computeIfAbsent(listener, key -> new ListenerAdmissionMetrics(registry, listener));
    }

    /** The running listeners, after a start or a reload. */
    public void running(Map<String, RunningListener> listeners) {
        Map<String, ListenerGate> nextGates = new java.util.LinkedHashMap<>();
        Map<String, ConnectorStatistics> nextStatistics = new java.util.LinkedHashMap<>();
        listeners.forEach((name, listener) -> {
            nextGates.put(name, listener.gate());
            nextStatistics.put(name, listener.statistics());
        });
        gates = java.util.Collections.unmodifiableMap(nextGates);
        statistics = java.util.Collections.unmodifiableMap(nextStatistics);
    }

    public Iterable<ListenerTlsMetrics> tls() {
        return tls.values();
    }

    public Iterable<Refusals> refusals() {
        return refusals.values();
    }

    public Iterable<ListenerAdmissionMetrics> admissionEvents() {
        return admissionEvents.values();
    }

    /** The process-wide connection count. */
    public Admission admission() {
        return admission;
    }

    public Map<String, ListenerGate> gates() {
        return gates;
    }

    public Map<String, ConnectorStatistics> statistics() {
        return statistics;
    }
}
