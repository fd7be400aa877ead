package io.sluice.pool;

import io.sluice.config.MemberConfig;
import io.sluice.config.MemberState;
import io.sluice.config.PoolConfig;
import io.undertow.client.UndertowClient;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ConnectionPoolManager;
import io.undertow.server.handlers.proxy.ProxyConnectionPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.ssl.XnioSsl;

/**
 * One backend node: its connection pool and everything that decides whether it serves.
 *
 * <ul>
 * <li>state: active, draining, disabled or standby (config now, admin API later);</li>
 * <li>health: the active checker's verdict (healthy when the pool has no checks);</li>
 * <li>ejection: consecutive connect failures (and 5xx with eject-on-5xx) take it out of
 * rotation for problem-retry, doubling per ejection in a row up to max-ejection-time;
 * after the back-off it is tried again, and a success ends the streak;</li>
 * <li>slow start: when it comes back, its effective weight ramps up over slow-start.</li>
 * </ul>
 *
 * <p>It is also the {@link ConnectionPoolManager} of its Undertow pool, which reads the
 * pool limits once at construction (so a member is built only once its config is final)
 * and reports connect failures and background reconnects here. Every field the request
 * path reads is volatile or atomic: no locks.
 */
public final class Member implements ConnectionPoolManager, ExchangeCompletionListener {
    private static final Logger LOG = LoggerFactory.getLogger(Member.class);

    private final String poolName;
    /** What the current generation's file says of this member and its pool (swapped when a reload carries it over). */
    private volatile MemberConfig config;
    /** Its place in the pool's session tables: fixed for the member's life, never a position in a list. */
    private final int index;
    private volatile PoolConfig pool;
    private final ProxyConnectionPool connections;
    private final io.sluice.metrics.MemberMetrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Exclusive (upgraded) backend connections open or being opened: Undertow's pool does not count them. */
    private final AtomicInteger upgraded = new AtomicInteger();
    /**
     * Exclusive connections ever opened. Undertow's pool counts them into its open
     * connections when they open but never counts them out, so its count less this one is
     * the pooled connections open now.
     */
    private final java.util.concurrent.atomic.AtomicLong upgradesOpened = new java.util.concurrent.atomic.AtomicLong();

    /** The pool object responsible for closing this member: the generation that last took it over. */
    private volatile Object owner;
    private volatile MemberState state;
    private volatile int weight;
    /** The last active check, for the admin; null before the first or without checks. */
    private volatile CheckResult lastCheck;
    /** Why the member was last ejected (passive checks), for the admin while it is out. */
    private volatile String ejectionReason = "";
    /** When the member last began draining (System.nanoTime()), for drain --wait. */
    private volatile long drainingSince = System.nanoTime();
    /** When a request last arrived for a session on this member (sticky hit), for drain --wait. */
    private volatile long lastSessionRequest;
    private volatile boolean healthy = true;
    /** System.nanoTime() until which the member is ejected; 0 when not ejected. */
    private volatile long ejectedUntil;
    /** Ejections in a row without a success in between: the back-off exponent. */
    private volatile int ejectionStreak;
    /** When the member last came back into rotation, for slow start; 0 = full weight. */
    private final java.util.concurrent.atomic.AtomicLong rampStart = new java.util.concurrent.atomic.AtomicLong();
    /** Undertow's pool probes a failed member in the background; one probe chain is enough. */
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();

    Member(String poolName, MemberConfig config, int index, PoolConfig pool, UndertowClient client, XnioSsl ssl, OptionMap options,
           io.sluice.metrics.MemberMetrics metrics) {
        this.poolName = poolName;
        this.config = config;
        this.index = index;
        this.pool = pool;
        this.state = config.state();
        this.weight = config.weight();
        this.metrics = metrics;
        // Built last: ProxyConnectionPool copies the limits below in its constructor.
        this.connections = new ProxyConnectionPool(this, config.url(), ssl, client, options);
    }

    public String name() {
        return config.name();
    }

    /** Who this member is across generations: its name and URL. */
    String identity() {
        return identity(config);
    }

    static String identity(MemberConfig config) {
        return config.name() + " " + config.url();
    }

    /**
     * Whether this member, with its connection pool, can serve the next generation as is:
     * everything its Undertow pool copied at construction is unchanged. Otherwise the next
     * generation gets a new member that inherits this one's health (see inheritHealth).
     */
    boolean carriesOverTo(PoolConfig next, MemberConfig nextConfig) {
        PoolConfig now = pool;
        return identity().equals(identity(nextConfig))
                && now.connectionsPerThread() == next.connectionsPerThread()
                && now.cachedConnectionsPerThread() == next.cachedConnectionsPerThread()
                && now.idleConnectionTtl().equals(next.idleConnectionTtl())
                && now.requestQueue() == next.requestQueue()
                && now.responseTimeout().equals(next.responseTimeout())
                // a CA bundle may have new contents under the same name: its members get new connections
                && now.tls().equals(next.tls()) && next.tls().caBundle() == null;
    }

    /** The next generation's settings for a member it carries over; its health, ejection and connections stay. */
    void reconfigure(MemberConfig nextConfig, PoolConfig nextPool) {
        config = nextConfig;
        pool = nextPool;
        if (nextConfig.state() == MemberState.DRAINING && state != MemberState.DRAINING) {
            drainingSince = System.nanoTime();
        }
        state = nextConfig.state();
        weight = nextConfig.weight();
        if (!nextPool.health().enabled()) {
            healthy = true; // nothing would ever check it again
        }
    }

    /** A member replacing {@code previous} (same identity, new connection settings) keeps its verdicts. */
    void inheritHealth(Member previous) {
        healthy = previous.healthy || !pool.health().enabled();
        lastCheck = previous.lastCheck;
        ejectionReason = previous.ejectionReason;
        lastSessionRequest = previous.lastSessionRequest;
        ejectedUntil = previous.ejectedUntil;
        ejectionStreak = previous.ejectionStreak;
        consecutiveFailures.set(previous.consecutiveFailures.get());
        rampStart.set(previous.rampStart.get());
    }

    void owner(Object pool) {
        owner = pool;
    }

    boolean ownedBy(Object pool) {
        return owner == pool;
    }

    public String route() {
        return config.route();
    }

    public int weight() {
        return weight;
    }

    /** Changes the weight at run time (the pool rebuilds its sequence: see Pool#weight). */
    void weight(int newWeight) {
        weight = newWeight;
    }

    public MemberConfig config() {
        return config;
    }

    public io.sluice.metrics.MemberMetrics metrics() {
        return metrics;
    }

    public MemberState state() {
        return state;
    }

    /** Changes the state at run time (the admin API's drain, disable, enable, standby). */
    public void state(MemberState newState) {
        MemberState old = state;
        if (old != newState) {
            if (newState == MemberState.DRAINING) {
                drainingSince = System.nanoTime();
            }
            state = newState;
            LOG.info("pool {} member {}: state {} -> {}", poolName, name(), old.configName(), newState.configName());
        }
    }

    public boolean healthy() {
        return healthy;
    }

    int index() {
        return index;
    }

    ProxyConnectionPool connections() {
        return connections;
    }

    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Takes a place for an upgrade's exclusive connection under max-connections, which
     * counts the pooled connections too; false when the member has none left.
     */
    boolean reserveUpgrade() {
        if (upgraded.incrementAndGet() + pooledConnections() > pool.maxConnections()) {
            upgraded.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Pooled (not upgraded) backend connections to this member open now. */
    public int pooledConnections() {
        return (int) Math.max(0, connections.getOpenConnections() - upgradesOpened.get());
    }

    /** Undertow's pool handed over an exclusive connection (whether or not the attempt still wants it). */
    void upgradeOpened() {
        upgradesOpened.incrementAndGet();
    }

    /** An upgrade's exclusive connection closed, or was never opened. */
    void upgradeClosed() {
        upgraded.decrementAndGet();
    }

    /** Upgraded (WebSocket) connections to this member open now. */
    public int upgradedConnections() {
        return upgraded.get();
    }

    /** Healthy and not ejected: able to serve, whatever its state says it may serve. */
    public boolean isUp() {
        if (!healthy) {
            return false;
        }
        long until = ejectedUntil;
        return until == 0 || System.nanoTime() - until >= 0;
    }

    /** May serve a session that sticks to it: anything but disabled, and up. */
    boolean keepsSessions() {
        return state != MemberState.DISABLED && isUp();
    }

    /** Up and not disabled: it serves at least the sessions that stick to it. */
    public boolean isUsable() {
        return keepsSessions();
    }

    /**
     * The weight used for new sessions right now: the configured weight, ramped up
     * linearly over slow-start after the member came back (never below 1 of 100).
     */
    public double effectiveWeight() {
        long since = rampStart.get();
        int full = weight;
        long slowStartNanos = pool.slowStart().toNanos();
        if (since == 0 || slowStartNanos == 0) {
            return full;
        }
        long elapsed = System.nanoTime() - since;
        if (elapsed >= slowStartNanos) {
            rampStart.compareAndSet(since, 0); // not over a newer ramp that began meanwhile
            return full;
        }
        return full * Math.max(0.01, (double) elapsed / slowStartNanos);
    }

    /** An active health check's verdict: when, whether it passed, and what it saw. */
    public record CheckResult(java.time.Instant at, boolean passed, String reason) {
        @Override
        public String toString() {
            return (passed ? "passed" : "failed") + " at " + at + ": " + reason;
        }
    }

    void checked(boolean passed, String reason) {
        lastCheck = new CheckResult(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), passed, reason);
    }

    /** The last active health check's verdict, reason and time; "" before the first or without checks. */
    public String lastCheck() {
        CheckResult last = lastCheck;
        return last == null ? "" : last.toString();
    }

    /** The last active health check, or null before the first or without checks. */
    public CheckResult lastCheckResult() {
        return lastCheck;
    }

    /** Whole seconds until an ejected member is tried again (rounded up), or -1 when it is not ejected. */
    public long secondsUntilRetry() {
        long left = ejectedUntil == 0 ? 0 : ejectedUntil - System.nanoTime();
        return left <= 0 ? -1 : (left + 999_999_999L) / 1_000_000_000L;
    }

    /** What got it ejected last (the failure and the back-off), "" when it never was. */
    public String ejectionReason() {
        return ejectionReason;
    }

    void sessionRequest() {
        lastSessionRequest = System.nanoTime();
    }

    /**
     * Seconds its sessions have been quiet since it began draining: since the later of
     * the drain's start and the last request for one of its sessions; -1 when it is not
     * draining. A session last used before the drain began may still come back, so the
     * quiet time never counts from before the drain.
     */
    public long secondsQuietSinceDrain() {
        if (state != MemberState.DRAINING) {
            return -1;
        }
        long since = Math.max(drainingSince, lastSessionRequest);
        return (System.nanoTime() - since) / 1_000_000_000L;
    }

    /** Seconds since a request for one of this member's sessions arrived, or -1 if none yet. */
    public long secondsSinceSessionRequest() {
        long last = lastSessionRequest;
        return last == 0 ? -1 : (System.nanoTime() - last) / 1_000_000_000L;
    }

    /** Counts a request this member now serves; it is counted down when the exchange completes. */
    void startRequest(HttpServerExchange exchange) {
        inFlight.incrementAndGet();
        exchange.addExchangeCompleteListener(this);
    }

    @Override
    public void exchangeEvent(HttpServerExchange exchange, NextListener nextListener) {
        inFlight.decrementAndGet();
        RequestTrace trace = exchange.getAttachment(RequestTrace.KEY);
        if (trace != null && trace.member() == this) {
            metrics.completed(exchange.getStatusCode(), System.nanoTime() - trace.startNanos(),
                    trace.outcome() == StickyOutcome.HIT, trace.outcome() == StickyOutcome.FAILOVER);
        }
        nextListener.proceed();
    }

    /**
     * The member answered (a relayed response that is not a failure): ends a failure
     * streak, and after an ejection brings it back (the request after the back-off was its
     * probe). A TCP connect alone proves nothing: a member can accept and answer 500s.
     */
    void succeeded() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (ejectionStreak != 0) {
            long until = ejectedUntil;
            if (until == 0 || System.nanoTime() - until >= 0) {
                ejectionStreak = 0;
                ejectedUntil = 0;
                comeBack("it answered again after its ejection");
            }
        }
    }

    /** A connect failure, connect timeout, refused certificate or (with eject-on-5xx) a 5xx answer. */
    void markFailed(String reason) {
        if (consecutiveFailures.incrementAndGet() < pool.ejectAfterFailures()) {
            return;
        }
        consecutiveFailures.set(0);
        boolean wasEjected = ejectedUntil != 0 && System.nanoTime() - ejectedUntil < 0;
        if (wasEjected) {
            return; // already out; the request that failed was a straggler
        }
        int streak = ejectionStreak;
        long base = pool.problemRetry().toNanos();
        long time = Math.min(pool.maxEjectionTime().toNanos(), base << Math.min(streak, 20));
        ejectionStreak = streak + 1;
        ejectionReason = pool.ejectAfterFailures() + " failure(s) in a row, the last: " + reason
                + (streak > 0 ? "; ejection " + (streak + 1) + " in a row" : "");
        ejectedUntil = System.nanoTime() + time;
        LOG.warn("pool {} member {} ({}) is failing: {}; out of rotation for {} ms{}", poolName, name(), config.url(), reason,
                TimeUnit.NANOSECONDS.toMillis(time), streak > 0 ? " (ejection " + (streak + 1) + " in a row)" : "");
    }

    /** The active health check's verdict changed (called by the checker, with the reason). */
    void health(boolean nowHealthy, String reason) {
        if (healthy == nowHealthy) {
            if (nowHealthy && ejectedUntil != 0 && System.nanoTime() - ejectedUntil < 0) {
                // passively ejected, but the active check says it serves: recovery by the check
                ejectedUntil = 0;
                ejectionStreak = 0;
                consecutiveFailures.set(0);
                comeBack("health check passed: " + reason);
            }
            return;
        }
        if (nowHealthy) {
            ejectedUntil = 0;
            ejectionStreak = 0;
            comeBack("health check passed: " + reason); // the ramp starts before it takes traffic
            healthy = true;
        } else {
            healthy = false;
            LOG.warn("pool {} member {} ({}) is unhealthy: {}", poolName, name(), config.url(), reason);
        }
    }

    private void comeBack(String why) {
        long slowStartNanos = pool.slowStart().toNanos();
        if (slowStartNanos > 0) {
            rampStart.set(System.nanoTime());
        }
        LOG.info("pool {} member {} ({}) is back in rotation: {}{}", poolName, name(), config.url(), why,
                slowStartNanos > 0 ? "; ramping up over " + TimeUnit.NANOSECONDS.toSeconds(slowStartNanos) + "s" : "");
    }

    // ---- ConnectionPoolManager: called by Undertow's pool on the IO threads

    @Override
    public boolean isAvailable() {
        return isUp();
    }

    /**
     * Undertow's pool reports a failed connect. Returning false makes it redistribute the
     * member's queued requests and start a background reconnect probe chain; that is right
     * once, when the member has just been ejected, and wrong below eject-after-failures or
     * while a chain already runs (chains would pile up for as long as the outage lasts).
     */
    @Override
    public boolean handleError() {
        markFailed("connection refused or reset");
        if (isUp()) {
            return true;
        }
        return !probing.compareAndSet(false, true);
    }

    @Override
    public boolean clearError() {
        probing.set(false);
        if (ejectedUntil != 0 && healthy) {
            ejectedUntil = 0;
            ejectionStreak = 0;
            consecutiveFailures.set(0);
            comeBack("it accepts connections again");
        }
        return true;
    }

    @Override
    public int getProblemServerRetry() {
        return (int) Math.max(1, pool.problemRetry().toSeconds());
    }

    @Override
    public int getMaxConnections() {
        return pool.connectionsPerThread();
    }

    @Override
    public int getMaxCachedConnections() {
        return pool.connectionsPerThread();
    }

    @Override
    public int getSMaxConnections() {
        return pool.cachedConnectionsPerThread();
    }

    @Override
    public long getTtl() {
        return pool.idleConnectionTtl().toMillis();
    }

    @Override
    public int getMaxQueueSize() {
        return pool.requestQueue();
    }

    void close() {
        connections.close();
    }

    @Override
    public String toString() {
        return name() + "=" + config.url() + (route().isEmpty() ? "" : " route=" + route()) + (weight() == 1 ? "" : " weight=" + weight())
                + (state == MemberState.ACTIVE ? "" : " " + state.configName());
    }
}
