package io.sluice.pool;

import io.sluice.config.MemberState;
import io.sluice.config.PoolConfig;
import io.sluice.config.RetryPolicy;
import io.sluice.metrics.PoolMetrics;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.server.handlers.proxy.ProxyConnectionPool;
import io.undertow.util.Headers;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ProxyClient} Undertow's ProxyHandler asks for a backend connection. It picks
 * the member, in this order: the member the session belongs to (while it keeps sessions);
 * otherwise an active member by the pool's method (smooth weighted round robin, or least
 * busy), weights ramped by slow start; otherwise a standby member; otherwise none, and the
 * pool answers 503 with Retry-After. Lock-free.
 *
 * <p>Undertow's LoadBalancingProxyClient is not extended: it keeps host state, the route
 * map and the attempted-hosts list private, returns a sticky host without checking it is
 * up, and cannot retry its only host. Its reusable part, ProxyConnectionPool, is used
 * as is, one per member.
 */
final class PoolProxyClient implements ProxyClient, StatusRetry.Decider {
    private static final ProxyTarget TARGET = new ProxyTarget() {
    };

    private final Member[] members;
    private final PoolConfig.BalanceMethod method;
    private volatile WeightedSchedule schedule;
    private final AtomicLong leastBusyRotation = new AtomicLong();
    private final SessionAffinity affinity;
    private final boolean failover;
    private final UnavailablePage unavailable;
    private final long connectTimeoutMillis;
    private final long queueTimeoutMillis;
    /** A failure sooner than this after connecting is a dead keep-alive connection, worth one more try. */
    private final long quickFailureNanos;
    private final PoolMetrics metrics;
    /** For requests that were not routed by a route with its own policy. */
    private final RetryPolicy retry;
    private final int maxPending;
    private final boolean ejectOn5xx;
    /** Requests of this pool waiting in a busy member's queue now. */
    private final AtomicInteger pending = new AtomicInteger();

    PoolProxyClient(Member[] members, PoolConfig config, SessionAffinity affinity, PoolMetrics metrics) {
        this.metrics = metrics;
        this.retry = config.retry();
        this.ejectOn5xx = config.ejectOn5xx();
        this.maxPending = config.maxPending();
        this.members = members;
        this.method = config.method();
        this.schedule = schedule(members);
        this.affinity = affinity;
        this.failover = config.sticky().failover();
        this.unavailable = new UnavailablePage(config.retryAfter(), config.unavailablePage());
        this.connectTimeoutMillis = config.connectTimeout().toMillis();
        this.queueTimeoutMillis = config.queueTimeout().toMillis();
        this.quickFailureNanos = Math.min(config.connectTimeout().toNanos(), config.responseTimeout().toNanos() / 2);
    }

    private static WeightedSchedule schedule(Member[] members) {
        int[] weights = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            weights[i] = members[i].weight();
        }
        return new WeightedSchedule(weights);
    }

    /** After a run-time weight change: a new sequence, swapped in whole (requests use one or the other). */
    void weightsChanged() {
        schedule = schedule(members);
    }

    @Override
    public ProxyTarget findTarget(HttpServerExchange exchange) {
        return TARGET;
    }

    @Override
    public void getConnection(ProxyTarget target, HttpServerExchange exchange, ProxyCallback<ProxyConnection> callback,
                              long unusedTimeout, TimeUnit unusedTimeUnit) {
        RequestTrace trace = RequestTrace.of(exchange);
        if (trace.attempts() > 0) {
            if (!retryAllowed(trace, System.nanoTime())) {
                noMember(exchange, trace, callback);
                return;
            }
            metrics.retried(trace.lastFailure());
        }
        Member member = choose(exchange, trace);
        if (member == null) {
            noMember(exchange, trace, callback);
            return;
        }
        trace.attempt(member);
        boolean upgrade = exchange.getRequestHeaders().contains(Headers.UPGRADE);
        if (upgrade && !member.reserveUpgrade()) {
            overflow(exchange, PoolMetrics.Limit.MAX_CONNECTIONS);
            return;
        }
        ProxyConnectionPool connections = member.connections();
        // A member whose connections are all busy queues the request (Undertow's pool):
        // that is load, not failure. The queue wait is bounded by Undertow itself and ends
        // (queue-timeout) without blaming the member; only real connects get the timer.
        boolean queued = !upgrade && connections.available() == ProxyConnectionPool.AvailabilityType.FULL;
        if (queued && pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            overflow(exchange, PoolMetrics.Limit.MAX_PENDING);
            return;
        }
        StatusRetry.Decider statusRetries = !upgrade && policy(trace).retriesOnStatus() ? this : null;
        ConnectAttempt attempt = new ConnectAttempt(exchange, callback, member, trace, upgrade, queued ? pending : null, statusRetries);
        connections.connect(target, exchange, attempt, queued ? queueTimeoutMillis : -1, TimeUnit.MILLISECONDS, upgrade);
        if (!queued) {
            attempt.armTimer(connectTimeoutMillis);
        }
    }

    /**
     * Whether the failed attempt may be followed by another: its cause is one the policy
     * retries on, attempts and time are left. That the request can be replayed at all was
     * settled where the failure happened (a connect failure sent nothing; after a send,
     * {@link RetryDecision} lets only idempotent requests without a body through).
     */
    private boolean retryAllowed(RequestTrace trace, long now) {
        RetryPolicy policy = policy(trace);
        RetryPolicy.Cause cause = trace.lastFailure();
        return cause != null && policy.retriesOn(cause) && trace.attempts() <= policy.retries()
                && now - trace.startNanos() < policy.deadline().toNanos();
    }

    private RetryPolicy policy(RequestTrace trace) {
        return trace.retryPolicy() != null ? trace.retryPolicy() : retry;
    }

    /**
     * A member answered 502, 503 or 504: whether to drop that answer and try another member.
     * Only when retry-on names the status, the request can be replayed whole (idempotent,
     * no body), attempts and time are left, and another member can take it: otherwise the
     * member's own answer is better than none.
     */
    @Override
    public boolean retriesStatus(HttpServerExchange exchange, RequestTrace trace, int status) {
        RetryPolicy.Cause cause = RetryPolicy.Cause.ofStatus(status);
        RetryPolicy policy = policy(trace);
        if (cause == null || !policy.retriesOn(cause) || !trace.bodyless() || !RetryDecision.idempotent(exchange.getRequestMethod())
                || trace.attempts() > policy.retries() || System.nanoTime() - trace.startNanos() >= policy.deadline().toNanos()
                || members.length == 1 || (trace.outcome() == StickyOutcome.HIT && !failover)
                || !(anyEligible(trace, MemberState.ACTIVE) || anyEligible(trace, MemberState.STANDBY))) {
            return false;
        }
        Member member = trace.member();
        if (member != null && ejectOn5xx) {
            member.markFailed("answered " + status);
        }
        trace.statusRetry(cause);
        return true;
    }

    /** No (further) member for this request: 502/504 when one was reached and failed, else 503 with Retry-After. */
    private void noMember(HttpServerExchange exchange, RequestTrace trace, ProxyCallback<ProxyConnection> callback) {
        if (trace.nanosSinceConnected(System.nanoTime()) >= 0) {
            callback.couldNotResolveBackend(exchange);
        } else {
            unavailable.send(exchange);
        }
    }

    /** A pool limit is reached: 503 with Retry-After at once, counted, rather than more load on a member. */
    private void overflow(HttpServerExchange exchange, PoolMetrics.Limit limit) {
        metrics.overflowed(limit);
        unavailable.send(exchange);
    }

    /**
     * The member this request would get and why, decided by {@link #choose} itself in its
     * describing mode: the same rules as traffic, without taking a turn in the sequence or
     * touching any member.
     */
    java.util.Map<String, Object> explain(HttpServerExchange exchange) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        RequestTrace trace = new RequestTrace(System.nanoTime());
        Member chosen = choose(exchange, trace, true);
        Member owner = trace.sessionMember();
        String mode = trace.stickySource() == null ? "" : trace.stickySource().name().toLowerCase(java.util.Locale.ROOT);
        String why = switch (trace.outcome()) {
            case HIT -> "sticky: the session belongs to " + owner.name() + " (" + mode + ")";
            case FAILOVER -> failover
                    ? "failover: the session belongs to " + owner.name() + " (" + mode + "), which is "
                            + (owner.isUp() ? owner.state().configName() : "down") + "; another member takes it and the affinity is re-stamped"
                    : "sticky to " + owner.name() + " (" + mode + "), which cannot serve now, and failover is off";
            case UNKNOWN -> "balance: the session names no member of this pool";
            default -> "balance: no session";
        };
        if (chosen == null) {
            out.put("status", 503);
            out.put("why", trace.outcome() == StickyOutcome.FAILOVER && !failover ? why : why + "; no member can serve: 503 with Retry-After");
            return out;
        }
        out.put("member", chosen.name());
        if (trace.outcome() != StickyOutcome.HIT) {
            out.put("method", method.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            if (chosen.state() == MemberState.STANDBY) {
                why += "; no active member is up: standby";
            }
        }
        out.put("why", why);
        return out;
    }

    /** The member for this attempt, or null when none can serve it. */
    Member choose(HttpServerExchange exchange, RequestTrace trace) {
        return choose(exchange, trace, false);
    }

    /**
     * The one decision of which member serves, for traffic and for explain. With
     * {@code describing} it takes no turn in the weighted sequence, draws no random
     * numbers and marks no session as alive, so asking changes nothing.
     */
    private Member choose(HttpServerExchange exchange, RequestTrace trace, boolean describing) {
        if (trace.attempts() == 0) {
            int stuck = affinity.find(exchange, trace);
            if (stuck >= 0) {
                Member member = affinity.member(stuck);
                trace.sessionMember(member);
                if (!describing) {
                    member.sessionRequest(); // its session is alive, whatever serves it now
                    affinity.sessionSeen(exchange, stuck);
                }
                if (member.keepsSessions()) {
                    trace.outcome(StickyOutcome.HIT);
                    return member;
                }
                trace.outcome(StickyOutcome.FAILOVER);
                if (!failover) {
                    return null; // httpd nofailover: the session cannot move
                }
            } else if (stuck == -2) {
                trace.outcome(StickyOutcome.UNKNOWN);
            }
        } else if (trace.outcome() == StickyOutcome.HIT) {
            if (!failover || trace.lastAttemptQueueFailed()) {
                // nofailover; or the session's member is only busy: moving the session
                // would lose it, so the client gets 503 and Retry-After instead
                return null;
            }
            trace.outcome(StickyOutcome.FAILOVER); // the session's member failed to connect
        }
        if (members.length == 1) {
            // One member: nothing to fail over to, so ejection does not shut it out (as
            // nginx ignores max_fails for a lone server), and a retry may try it again,
            // after a failed connect or a quick failure (a keep-alive connection the backend
            // had closed), but not after a slow one: that would wait a timeout twice.
            Member only = members[0];
            long sinceConnected = trace.nanosSinceConnected(System.nanoTime());
            if (trace.attempts() > 0 && sinceConnected > quickFailureNanos) {
                return null;
            }
            return only.state() != MemberState.DISABLED && only.state() != MemberState.DRAINING && only.healthy() ? only : null;
        }
        Member chosen = method == PoolConfig.BalanceMethod.LEAST_BUSY ? leastBusy(trace, MemberState.ACTIVE, describing)
                : roundRobin(trace, describing);
        return chosen != null ? chosen : leastBusy(trace, MemberState.STANDBY, describing);
    }

    /** The member at the {@code step}-th draw of this request's walk through the weighted sequence. */
    private Member draw(WeightedSchedule sequence, long start, int step, boolean describing) {
        return members[sequence.at(describing ? start + step : sequence.next())];
    }

    /**
     * Smooth weighted round robin over active members that are up and not yet tried. Each
     * draw takes a fresh position in the weighted sequence, so a member out of rotation
     * has its share spread over the others by weight; a member in slow start is taken
     * with probability effective/configured weight.
     */
    private Member roundRobin(RequestTrace trace, boolean describing) {
        if (!anyEligible(trace, MemberState.ACTIVE)) {
            return null; // an outage: no draws to waste on it
        }
        WeightedSchedule sequence = schedule;
        long start = describing ? sequence.peek() : 0;
        for (int step = 0; step < 2 * sequence.length(); step++) {
            Member candidate = draw(sequence, start, step, describing);
            if (eligible(candidate, MemberState.ACTIVE, trace) && (describing || rampAccepts(candidate))) {
                return candidate;
            }
        }
        return leastBusy(trace, MemberState.ACTIVE, describing); // many draws missed: look at every member once
    }

    private boolean anyEligible(RequestTrace trace, MemberState wanted) {
        for (Member candidate : members) {
            if (eligible(candidate, wanted, trace)) {
                return true;
            }
        }
        return false;
    }

    /** A member in slow start is taken with probability effective / configured weight. */
    private static boolean rampAccepts(Member candidate) {
        double effective = candidate.effectiveWeight();
        return effective >= candidate.weight() || ThreadLocalRandom.current().nextDouble() * candidate.weight() < effective;
    }

    /**
     * The eligible member with the fewest requests in flight per unit of (effective)
     * weight; members tied at that score share by weighted round robin (nginx least_conn),
     * so that an idle pool still honours the weights.
     */
    private Member leastBusy(RequestTrace trace, MemberState wanted, boolean describing) {
        double lowest = Double.MAX_VALUE;
        for (Member candidate : members) {
            if (eligible(candidate, wanted, trace)) {
                lowest = Math.min(lowest, score(candidate));
            }
        }
        if (lowest == Double.MAX_VALUE) {
            return null;
        }
        WeightedSchedule sequence = schedule;
        long start = describing ? sequence.peek() : 0;
        for (int step = 0; step < 2 * sequence.length(); step++) {
            Member candidate = draw(sequence, start, step, describing);
            if (eligible(candidate, wanted, trace) && score(candidate) <= lowest && (describing || rampAccepts(candidate))) {
                return candidate;
            }
        }
        int first = describing ? 0 : (int) Math.floorMod(leastBusyRotation.getAndIncrement(), (long) members.length);
        Member fallback = null;
        for (int step = 0; step < members.length; step++) {
            Member candidate = members[(first + step) % members.length];
            if (eligible(candidate, wanted, trace)) {
                if (score(candidate) <= lowest) {
                    return candidate;
                }
                fallback = fallback == null ? candidate : fallback;
            }
        }
        return fallback; // scores moved under us: any eligible member will do
    }

    private static boolean eligible(Member candidate, MemberState wanted, RequestTrace trace) {
        return candidate.state() == wanted && candidate.isUp() && !trace.attempted(candidate.index());
    }

    private static double score(Member candidate) {
        return candidate.inFlight() / candidate.effectiveWeight();
    }
}
