package io.sluice.admin;

import io.sluice.metrics.PoolMetrics;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.metrics.MemberMetrics;
import io.sluice.listener.ListenerTlsMetrics;
import io.sluice.listener.ListenerAdmissionMetrics;
import io.sluice.listener.ListenerMetrics;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Snapshot;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import java.util.Collection;
import java.util.Map;

/**
 * Renders the registry as Prometheus text exposition format 0.0.4: names in snake_case
 * with units and _total for counters, pool and member as labels.
 */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** With {@code cluster} (null without one), the view of {@code Cluster.describe()}: members, and the learned sessions sent, received, queued, dropped. */
    public static String render(SluiceMetrics metrics, ListenerMetrics listenerMetrics, Collection<Pool> pools, Map<String, Object> cluster) {
        StringBuilder out = new StringBuilder(8192);
        header(out, "sluice_member_requests_total", "counter", "Requests a member served.");
        for (MemberMetrics m : metrics.members()) {
            sample(out, "sluice_member_requests_total", labels(m), m.requests().getCount());
        }
        header(out, "sluice_member_responses_total", "counter", "Responses a member gave, by status class.");
        for (MemberMetrics m : metrics.members()) {
            for (int i = 0; i < 5; i++) {
                sample(out, "sluice_member_responses_total", labels(m) + ",class=\"" + (i + 1) + "xx\"", m.responsesByClass()[i].getCount());
            }
        }
        header(out, "sluice_member_request_duration_seconds", "summary", "Time from request start to completion, per member.");
        for (MemberMetrics m : metrics.members()) {
            Snapshot snapshot = m.requests().getSnapshot();
            for (double quantile : new double[] {0.5, 0.9, 0.99}) {
                sample(out, "sluice_member_request_duration_seconds", labels(m) + ",quantile=\"" + quantile + "\"",
                        snapshot.getValue(quantile) / 1e9);
            }
            sample(out, "sluice_member_request_duration_seconds_sum", labels(m), m.latencyNanosSum().sum() / 1e9);
            sample(out, "sluice_member_request_duration_seconds_count", labels(m), m.requests().getCount());
        }
        header(out, "sluice_member_sticky_hits_total", "counter", "Requests sent to the member their session names.");
        for (MemberMetrics m : metrics.members()) {
            sample(out, "sluice_member_sticky_hits_total", labels(m), m.stickyHits().getCount());
        }
        header(out, "sluice_member_failovers_total", "counter", "Requests a member served for a session whose own member could not.");
        for (MemberMetrics m : metrics.members()) {
            sample(out, "sluice_member_failovers_total", labels(m), m.failovers().getCount());
        }
        header(out, "sluice_member_in_flight", "gauge", "Requests a member is serving now.");
        pools.forEach(pool -> pool.members().forEach(member -> sample(out, "sluice_member_in_flight", labels(pool, member), member.inFlight())));
        header(out, "sluice_member_up", "gauge", "1 when the member is healthy and not ejected.");
        pools.forEach(pool -> pool.members().forEach(member -> sample(out, "sluice_member_up", labels(pool, member), member.isUp() ? 1 : 0)));
        header(out, "sluice_member_weight", "gauge", "Effective weight (ramping during slow start).");
        pools.forEach(pool -> pool.members().forEach(member -> sample(out, "sluice_member_weight", labels(pool, member), member.effectiveWeight())));
        header(out, "sluice_member_state", "gauge", "1 for the member's current state.");
        pools.forEach(pool -> pool.members().forEach(member -> sample(out, "sluice_member_state",
                labels(pool, member) + ",state=\"" + member.state().configName() + "\"", 1)));
        header(out, "sluice_pool_learned_sessions", "gauge", "Sessions in the pool's learn table.");
        pools.forEach(pool -> {
            if (pool.learnedSessions() >= 0) {
                sample(out, "sluice_pool_learned_sessions", "pool=\"" + escape(pool.name()) + "\"", pool.learnedSessions());
            }
        });
        header(out, "sluice_pool_redirects_rewritten_total", "counter", "Backend redirects rewritten to the public URL.");
        for (PoolMetrics p : metrics.pools()) {
            sample(out, "sluice_pool_redirects_rewritten_total", "pool=\"" + escape(p.pool()) + "\"", p.redirectsRewritten().getCount());
        }
        header(out, "sluice_pool_redirect_leaks_total", "counter", "Redirects still naming an internal origin after rewriting.");
        for (PoolMetrics p : metrics.pools()) {
            sample(out, "sluice_pool_redirect_leaks_total", "pool=\"" + escape(p.pool()) + "\"", p.redirectLeaks().getCount());
        }
        header(out, "sluice_pool_attempt_failures_total", "counter",
                "Attempts that ended without a response head, by cause (connect-failure: nothing was sent).");
        for (PoolMetrics p : metrics.pools()) {
            for (io.sluice.config.RetryPolicy.Cause cause : io.sluice.config.RetryPolicy.Cause.values()) {
                sample(out, "sluice_pool_attempt_failures_total", "pool=\"" + escape(p.pool()) + "\",cause=\"" + cause.configName() + "\"",
                        p.attemptFailures(cause));
            }
        }
        header(out, "sluice_pool_retries_total", "counter", "Extra attempts on another member, by the cause of the failed one.");
        for (PoolMetrics p : metrics.pools()) {
            for (io.sluice.config.RetryPolicy.Cause cause : io.sluice.config.RetryPolicy.Cause.values()) {
                sample(out, "sluice_pool_retries_total", "pool=\"" + escape(p.pool()) + "\",cause=\"" + cause.configName() + "\"",
                        p.retries(cause));
            }
        }
        header(out, "sluice_pool_overflows_total", "counter", "Requests answered 503 at once because the pool was at a limit.");
        for (PoolMetrics p : metrics.pools()) {
            for (PoolMetrics.Limit limit : PoolMetrics.Limit.values()) {
                sample(out, "sluice_pool_overflows_total", "pool=\"" + escape(p.pool()) + "\",limit=\"" + limit.configName() + "\"",
                        p.overflows(limit));
            }
        }
        header(out, "sluice_rate_limited_total", "counter", "Requests answered 429 by a rate limit (scope: sluice, or the route).");
        metrics.rateLimited().forEach((scope, counter) -> sample(out, "sluice_rate_limited_total", "scope=\"" + escape(scope) + "\"",
                counter.getCount()));
        header(out, "sluice_route_requests_total", "counter", "Requests a route matched.");
        metrics.routes().forEach((route, counter) -> sample(out, "sluice_route_requests_total", "route=\"" + escape(route) + "\"", counter.getCount()));
        Map<String, io.undertow.server.ConnectorStatistics> listeners = listenerMetrics.statistics();
        header(out, "sluice_listener_connections", "gauge", "Client connections open now.");
        listeners.forEach((name, stats) -> sample(out, "sluice_listener_connections", listener(name), stats.getActiveConnections()));
        header(out, "sluice_listener_requests_total", "counter", "Requests a listener received.");
        listeners.forEach((name, stats) -> sample(out, "sluice_listener_requests_total", listener(name), stats.getRequestCount()));
        header(out, "sluice_listener_errors_total", "counter", "Requests a listener answered with an error status.");
        listeners.forEach((name, stats) -> sample(out, "sluice_listener_errors_total", listener(name), stats.getErrorCount()));
        header(out, "sluice_listener_received_bytes_total", "counter", "Bytes received from clients.");
        listeners.forEach((name, stats) -> sample(out, "sluice_listener_received_bytes_total", listener(name), stats.getBytesReceived()));
        header(out, "sluice_listener_sent_bytes_total", "counter", "Bytes sent to clients.");
        listeners.forEach((name, stats) -> sample(out, "sluice_listener_sent_bytes_total", listener(name), stats.getBytesSent()));
        header(out, "sluice_listener_tls_handshakes_total", "counter", "TLS handshakes an https listener completed, full or resumed.");
        for (ListenerTlsMetrics l : listenerMetrics.tls()) {
            sample(out, "sluice_listener_tls_handshakes_total", listener(l.listener()), l.handshakes().getCount());
        }
        header(out, "sluice_listener_tls_handshake_failures_total", "counter",
                "TLS handshakes that failed, or that the client began and left unfinished.");
        for (ListenerTlsMetrics l : listenerMetrics.tls()) {
            sample(out, "sluice_listener_tls_handshake_failures_total", listener(l.listener()), l.handshakeFailures().getCount());
        }
        header(out, "sluice_listener_requests_refused_total", "counter",
                "Requests a listener refused before routing (malformed, ambiguous or misdirected), by reason.");
        for (io.sluice.http.Refusals r : listenerMetrics.refusals()) {
            for (io.sluice.syntax.Refusal reason : io.sluice.syntax.Refusal.values()) {
                sample(out, "sluice_listener_requests_refused_total", listener(r.listener()) + ",reason=\"" + reason.label() + "\"",
                        r.count(reason));
            }
        }
        header(out, "sluice_listener_connections_open", "gauge", "Client connections holding a place in the listener's max-connections now.");
        listenerMetrics.gates().forEach((name, gate) -> sample(out, "sluice_listener_connections_open", listener(name), gate.open()));
        header(out, "sluice_listener_connections_refused_total", "counter",
                "New connections reset at once over a connection limit, by limit: the listener's, the total, per client, or TLS handshakes in progress.");
        for (ListenerAdmissionMetrics l : listenerMetrics.admissionEvents()) {
            for (io.sluice.listener.Admission.Refusal why : io.sluice.listener.Admission.Refusal.values()) {
                sample(out, "sluice_listener_connections_refused_total", listener(l.listener()) + ",limit=\"" + why.label() + "\"",
                        l.refused()[why.ordinal()].getCount());
            }
        }
        header(out, "sluice_listener_tls_handshake_timeouts_total", "counter",
                "TLS connections closed for not completing the handshake within limits.tls-handshake-timeout.");
        for (ListenerAdmissionMetrics l : listenerMetrics.admissionEvents()) {
            sample(out, "sluice_listener_tls_handshake_timeouts_total", listener(l.listener()), l.handshakeTimeouts().getCount());
        }
        header(out, "sluice_listener_silent_connections_closed_total", "counter",
                "Plain connections closed for sending no byte within limits.request-parse-timeout.");
        for (ListenerAdmissionMetrics l : listenerMetrics.admissionEvents()) {
            sample(out, "sluice_listener_silent_connections_closed_total", listener(l.listener()), l.silentConnectionsClosed().getCount());
        }
        header(out, "sluice_listener_http2_streams_refused_total", "counter",
                "HTTP/2 streams refused (RST_STREAM REFUSED_STREAM) over limits.http2-max-concurrent-streams.");
        for (ListenerAdmissionMetrics l : listenerMetrics.admissionEvents()) {
            sample(out, "sluice_listener_http2_streams_refused_total", listener(l.listener()), l.streamsRefused().getCount());
        }
        header(out, "sluice_request_body_idle_timeouts_total", "counter",
                "Request bodies aborted after receiving nothing for limits.body-idle-timeout.");
        sample(out, "sluice_request_body_idle_timeouts_total", null, metrics.bodyIdleTimeouts().getCount());
        io.sluice.listener.Admission admission = listenerMetrics.admission();
        if (admission != null) {
            header(out, "sluice_connections_open", "gauge", "Client connections open on all traffic listeners.");
            sample(out, "sluice_connections_open", null, admission.open());
            header(out, "sluice_connections_max", "gauge", "limits.max-connections: the most client connections open at once.");
            sample(out, "sluice_connections_max", null, admission.maxConnections());
            header(out, "sluice_tls_handshakes_in_progress", "gauge", "TLS connections whose handshake has not ended yet, on all listeners.");
            sample(out, "sluice_tls_handshakes_in_progress", null, admission.handshaking());
        }
        if (cluster != null) {
            cluster(out, cluster);
        }
        jvm(out, metrics);
        return out.toString();
    }

    private static void cluster(StringBuilder out, Map<String, Object> cluster) {
        header(out, "sluice_cluster_members", "gauge", "Instances in this instance's view of the cluster, itself included.");
        sample(out, "sluice_cluster_members", null, ((java.util.List<?>) cluster.get("members")).size());
        Map<?, ?> sessions = (Map<?, ?>) cluster.get("sessions");
        header(out, "sluice_cluster_sessions_sent_total", "counter", "Learned sessions and re-stamps sent to the other instances.");
        sample(out, "sluice_cluster_sessions_sent_total", null, ((Number) sessions.get("sent")).doubleValue());
        header(out, "sluice_cluster_sessions_received_total", "counter", "Learned sessions and re-stamps received from the other instances.");
        sample(out, "sluice_cluster_sessions_received_total", null, ((Number) sessions.get("received")).doubleValue());
        header(out, "sluice_cluster_sessions_queued", "gauge", "Learned sessions waiting to be sent (the replication queue).");
        sample(out, "sluice_cluster_sessions_queued", null, ((Number) sessions.get("queued")).doubleValue());
        header(out, "sluice_cluster_replication_lag_seconds", "gauge",
                "How long the oldest learned session of the last batch waited before it was sent.");
        sample(out, "sluice_cluster_replication_lag_seconds", null, ((Number) sessions.get("lagMillis")).doubleValue() / 1000);
        header(out, "sluice_cluster_sessions_dropped_total", "counter",
                "Learned sessions not sent: the queue was full or the send failed (those clients balance anew elsewhere).");
        sample(out, "sluice_cluster_sessions_dropped_total", null, ((Number) sessions.get("dropped")).doubleValue());
        header(out, "sluice_cluster_rejected_messages_total", "counter",
                "Messages from the cluster dropped unread: their MAC did not match, or their format is another version's.");
        sample(out, "sluice_cluster_rejected_messages_total", null, ((Number) cluster.get("rejectedMessages")).doubleValue());
    }

    @SuppressWarnings("rawtypes")
    private static void jvm(StringBuilder out, SluiceMetrics metrics) {
        Map<String, Gauge> gauges = metrics.registry().getGauges();
        gauge(out, gauges, "jvm.memory.heap.used", "jvm_memory_heap_used_bytes", "Heap in use.");
        gauge(out, gauges, "jvm.memory.heap.committed", "jvm_memory_heap_committed_bytes", "Heap committed.");
        gauge(out, gauges, "jvm.memory.heap.max", "jvm_memory_heap_max_bytes", "Heap limit.");
        gauge(out, gauges, "jvm.memory.non-heap.used", "jvm_memory_non_heap_used_bytes", "Non-heap memory in use.");
        gauge(out, gauges, "jvm.threads.count", "jvm_threads", "Live threads.");
        header(out, "jvm_gc_collections_total", "counter", "Garbage collections, by collector.");
        header(out, "jvm_gc_collection_seconds_total", "counter", "Time spent collecting, by collector.");
        for (Map.Entry<String, Gauge> entry : gauges.entrySet()) {
            String name = entry.getKey();
            if (name.startsWith("jvm.gc.") && name.endsWith(".count")) {
                String collector = name.substring(7, name.length() - 6);
                sample(out, "jvm_gc_collections_total", "collector=\"" + escape(collector) + "\"", ((Number) entry.getValue().getValue()).doubleValue());
            } else if (name.startsWith("jvm.gc.") && name.endsWith(".time")) {
                String collector = name.substring(7, name.length() - 5);
                sample(out, "jvm_gc_collection_seconds_total", "collector=\"" + escape(collector) + "\"",
                        ((Number) entry.getValue().getValue()).doubleValue() / 1000);
            }
        }
    }

    @SuppressWarnings("rawtypes")
    private static void gauge(StringBuilder out, Map<String, Gauge> gauges, String source, String name, String help) {
        Gauge gauge = gauges.get(source);
        if (gauge != null && gauge.getValue() instanceof Number number) {
            header(out, name, "gauge", help);
            sample(out, name, null, number.doubleValue());
        }
    }

    private static String listener(String name) {
        return "listener=\"" + escape(name) + "\"";
    }

    private static String labels(MemberMetrics m) {
        return "pool=\"" + escape(m.pool()) + "\",member=\"" + escape(m.member()) + "\"";
    }

    private static String labels(Pool pool, Member member) {
        return "pool=\"" + escape(pool.name()) + "\",member=\"" + escape(member.name()) + "\"";
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (labels != null) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ');
        if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
        out.append('\n');
    }

    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
