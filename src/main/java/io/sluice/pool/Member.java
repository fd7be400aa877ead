package io.sluice.pool;

import io.sluice.config.MemberConfig;
import io.sluice.config.PoolConfig;
import io.undertow.client.UndertowClient;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ConnectionPoolManager;
import io.undertow.server.handlers.proxy.ProxyConnectionPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xnio.OptionMap;
import org.xnio.ssl.XnioSsl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backend node and its connection pool. It is also the pool's
 * {@link ConnectionPoolManager}: Undertow's pool asks it for its limits (read once, when
 * the pool is built, which is why a member is built only after its config is final) and
 * reports connect failures to it.
 *
 * <p>A failed member is out of rotation until {@code problem-retry} has passed; Undertow's
 * pool also probes it in the background and brings it back early when a connect succeeds.
 */
public final class Member implements ConnectionPoolManager, ExchangeCompletionListener {
    private static final Logger LOG = LoggerFactory.getLogger(Member.class);

    private final String poolName;
    private final MemberConfig config;
    private final int index;
    private final int connectionsPerThread;
    private final int cachedConnectionsPerThread;
    private final long idleTtlMillis;
    private final int requestQueue;
    private final int problemRetrySeconds;
    private final long problemRetryNanos;
    private final ProxyConnectionPool connections;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** System.nanoTime() until which the member is out of rotation; 0 when healthy. */
    private volatile long problemUntil;

    Member(String poolName, MemberConfig config, int index, PoolConfig pool, UndertowClient client, XnioSsl ssl, OptionMap options) {
        this.poolName = poolName;
        this.config = config;
        this.index = index;
        this.connectionsPerThread = pool.connectionsPerThread();
        this.cachedConnectionsPerThread = pool.cachedConnectionsPerThread();
        this.idleTtlMillis = pool.idleConnectionTtl().toMillis();
        this.requestQueue = pool.requestQueue();
        this.problemRetrySeconds = (int) Math.max(1, pool.problemRetry().toSeconds());
        this.problemRetryNanos = pool.problemRetry().toNanos();
        // Built last: ProxyConnectionPool copies the limits above in its constructor.
        this.connections = new ProxyConnectionPool(this, config.url(), ssl, client, options);
    }

    public String name() {
        return config.name();
    }

    public String route() {
        return config.route();
    }

    public int weight() {
        return config.weight();
    }

    public MemberConfig config() {
        return config;
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

    /** Counts a request this member now serves; it is counted down when the exchange completes. */
    void startRequest(HttpServerExchange exchange) {
        inFlight.incrementAndGet();
        exchange.addExchangeCompleteListener(this);
    }

    @Override
    public void exchangeEvent(HttpServerExchange exchange, NextListener nextListener) {
        inFlight.decrementAndGet();
        nextListener.proceed();
    }

    /** Whether new requests may be sent here now. */
    public boolean isUsable() {
        long until = problemUntil;
        return until == 0 || System.nanoTime() - until >= 0;
    }

    /** Takes the member out of rotation for problem-retry, logging the first failure only. */
    void markFailed(String reason) {
        boolean wasUsable = isUsable();
        problemUntil = System.nanoTime() + problemRetryNanos;
        if (wasUsable) {
            LOG.warn("pool {} member {} ({}) is failing: {}; out of rotation for {}s", poolName, name(), config.url(), reason, problemRetrySeconds);
        }
    }

    // ---- ConnectionPoolManager: called by Undertow's pool on the IO threads

    @Override
    public boolean isAvailable() {
        return isUsable();
    }

    @Override
    public boolean handleError() {
        markFailed("connection refused or reset");
        return false; // false: let the pool schedule its background reconnect probe
    }

    @Override
    public boolean clearError() {
        if (problemUntil != 0) {
            problemUntil = 0;
            LOG.info("pool {} member {} ({}) accepts connections again; back in rotation", poolName, name(), config.url());
        }
        return true;
    }

    @Override
    public int getProblemServerRetry() {
        return problemRetrySeconds;
    }

    @Override
    public int getMaxConnections() {
        return connectionsPerThread;
    }

    @Override
    public int getMaxCachedConnections() {
        return connectionsPerThread;
    }

    @Override
    public int getSMaxConnections() {
        return cachedConnectionsPerThread;
    }

    @Override
    public long getTtl() {
        return idleTtlMillis;
    }

    @Override
    public int getMaxQueueSize() {
        return requestQueue;
    }

    void close() {
        connections.close();
    }

    long problemRetryMillis() {
        return TimeUnit.NANOSECONDS.toMillis(problemRetryNanos);
    }

    @Override
    public String toString() {
        return name() + "=" + config.url() + (route().isEmpty() ? "" : " route=" + route()) + (weight() == 1 ? "" : " weight=" + weight());
    }
}
