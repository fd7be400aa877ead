package io.sluice.pool;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.server.handlers.proxy.ProxyConnectionPool;
import io.undertow.util.Headers;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ProxyClient} Undertow's ProxyHandler asks for a backend connection. It
 * picks the member (session route first, then smooth weighted round robin over the
 * members in rotation) and gets a connection from that member's pool.
 *
 * <p>Undertow's LoadBalancingProxyClient is not extended: it keeps host state, the route
 * map and the attempted-hosts list private, returns a sticky host without checking it is
 * up, and cannot retry its only host. Its reusable part, ProxyConnectionPool, is used
 * as is, one per member.
 */
final class PoolProxyClient implements ProxyClient {
    private static final ProxyTarget TARGET = new ProxyTarget() {
    };

    private final Member[] members;
    private final WeightedSchedule schedule;
    private final StickyRoute sticky;
    private final long connectTimeoutMillis;
    private final long queueTimeoutMillis;

    PoolProxyClient(Member[] members, StickyRoute sticky, long connectTimeoutMillis, long queueTimeoutMillis) {
        this.members = members;
        int[] weights = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            weights[i] = members[i].weight();
        }
        this.schedule = new WeightedSchedule(weights);
        this.sticky = sticky;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.queueTimeoutMillis = queueTimeoutMillis;
    }

    @Override
    public ProxyTarget findTarget(HttpServerExchange exchange) {
        return TARGET;
    }

    @Override
    public void getConnection(ProxyTarget target, HttpServerExchange exchange, ProxyCallback<ProxyConnection> callback,
                              long unusedTimeout, TimeUnit unusedTimeUnit) {
        RequestTrace trace = RequestTrace.of(exchange);
        Member member = choose(exchange, trace);
        if (member == null) {
            callback.couldNotResolveBackend(exchange);
            return;
        }
        trace.attempt(member);
        boolean upgrade = exchange.getRequestHeaders().contains(Headers.UPGRADE);
        ConnectAttempt attempt = new ConnectAttempt(exchange, callback, member, trace, upgrade);
        ProxyConnectionPool connections = member.connections();
        // A member whose connections are all busy queues the request (Undertow's pool):
        // that is load, not failure. The queue wait is bounded by Undertow itself and ends
        // (queue-timeout) in a retry elsewhere without blaming the member; only real
        // connects get the connect timer.
        boolean queued = !upgrade && connections.available() == ProxyConnectionPool.AvailabilityType.FULL;
        connections.connect(target, exchange, attempt, queued ? queueTimeoutMillis : -1, TimeUnit.MILLISECONDS, upgrade);
        if (!queued) {
            attempt.armTimer(connectTimeoutMillis);
        }
    }

    /** The member for this attempt, or null when every member has been tried. */
    Member choose(HttpServerExchange exchange, RequestTrace trace) {
        if (trace.attempts() == 0) {
            int stuck = sticky.find(exchange, members);
            if (stuck >= 0) {
                if (members[stuck].isUsable()) {
                    trace.affinity(Affinity.HIT);
                    return members[stuck];
                }
                trace.affinity(Affinity.FAILOVER);
            } else if (stuck == -2) {
                trace.affinity(Affinity.UNKNOWN);
            }
        } else if (trace.affinity() == Affinity.HIT) {
            trace.affinity(Affinity.FAILOVER); // the session's member failed to connect
        }
        // Each draw takes a fresh position in the weighted sequence, so skipping a member
        // out of rotation spreads its share over the others by weight, rather than handing
        // it all to whichever member follows it in the sequence.
        Member outOfRotation = null;
        for (int draw = 0; draw < 2 * schedule.length(); draw++) {
            int index = schedule.at(schedule.next());
            if (trace.attempted(index)) {
                continue;
            }
            Member candidate = members[index];
            if (candidate.isUsable()) {
                return candidate;
            }
            if (outOfRotation == null) {
                outOfRotation = candidate;
            }
        }
        for (Member candidate : members) { // many draws missed: look at every member once
            if (!trace.attempted(candidate.index())) {
                if (candidate.isUsable()) {
                    return candidate;
                }
                if (outOfRotation == null) {
                    outOfRotation = candidate;
                }
            }
        }
        // Every member not yet tried is out of rotation: trying one beats a certain 503
        // (httpd's forcerecovery), and a success brings it back at once.
        return outOfRotation;
    }
}
