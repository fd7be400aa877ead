package io.sluice.pool;

import io.sluice.config.RetryPolicy;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyConnection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * One attempt to get a backend connection for an exchange, bounded by the pool's
 * connect-timeout (XNIO has no connect timeout of its own). Whichever comes first wins:
 * the connection, a failure, or the timer; a connection that arrives after the timer
 * fired is closed. A timeout takes the member out of rotation and lets the proxy
 * handler try another member. Every way it fails is a connect-failure for the retry
 * policy: nothing of the request was sent.
 *
 * <p>It also holds the attempt's places under the pool's limits: a place in the pool's
 * pending count while it waits in a busy member's queue, and for an upgrade one of the
 * member's connections until that exclusive connection closes.
 */
final class ConnectAttempt extends AtomicBoolean implements ProxyCallback<ProxyConnection>, Runnable {
    private static final long serialVersionUID = 1L;

    private final HttpServerExchange exchange;
    private final ProxyCallback<ProxyConnection> delegate;
    private final Member member;
    private final RequestTrace trace;
    private final boolean upgrade;
    /** The pool's count of requests waiting in members' queues, when this attempt is one of them; else null. */
    private final AtomicInteger pending;
    /** Judges the member's 502/503/504 when the request's policy retries on them; else null. */
    private final StatusRetry.Decider statusRetries;
    private XnioExecutor.Key timer;

    ConnectAttempt(HttpServerExchange exchange, ProxyCallback<ProxyConnection> delegate, Member member, RequestTrace trace,
                   boolean upgrade, AtomicInteger pending, StatusRetry.Decider statusRetries) {
        this.statusRetries = statusRetries;
        this.exchange = exchange;
        this.delegate = delegate;
        this.member = member;
        this.trace = trace;
        this.upgrade = upgrade;
        this.pending = pending;
    }

    /**
     * Arms the connect timer unless the attempt already ended (a pooled connection is
     * handed over synchronously: no timer then). Callbacks come on the exchange's IO
     * thread, the thread calling this, so nothing can finish in between.
     */
    void armTimer(long connectTimeoutMillis) {
        if (!get()) {
            timer = exchange.getIoThread().executeAfter(this, connectTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private boolean finish() {
        if (!compareAndSet(false, true)) {
            return false;
        }
        if (timer != null) {
            timer.remove();
        }
        if (pending != null) {
            pending.decrementAndGet();
        }
        return true;
    }

    /** Ends an attempt that got no connection: its places are given back and the failure recorded. */
    private boolean finishFailed() {
        if (!finish()) {
            return false;
        }
        if (upgrade) {
            member.upgradeClosed();
        }
        trace.failed(RetryPolicy.Cause.CONNECT_FAILURE);
        return true;
    }

    /** The connect timer fired. */
    @Override
    public void run() {
        if (finishFailed()) {
            member.markFailed("no connection within connect-timeout");
            delegate.failed(exchange);
        }
    }

    @Override
    public void completed(HttpServerExchange exchange, ProxyConnection connection) {
        if (upgrade) {
            member.upgradeOpened();
        }
        if (!finish()) {
            IoUtils.safeClose(connection.getConnection());
            return;
        }
        trace.connected(System.nanoTime(), connection.getConnection());
        exchange.addExchangeCompleteListener(RequestTrace.ABORT_BACKEND_IF_CLIENT_GONE);
        member.startRequest(exchange);
        if (upgrade) {
            // An upgrade gets an exclusive backend connection that Undertow never returns to
            // its pool: after a 101 it becomes a Tunnel, otherwise it is closed with the
            // exchange, so a client cannot pile up backend connections with Upgrade headers.
            // It holds its place under the member's max-connections until it closes.
            // (Undertow opens it on this IO thread, so it cannot close between the two lines.)
            if (connection.getConnection().isOpen()) {
                connection.getConnection().addCloseListener(closed -> member.upgradeClosed());
            } else {
                member.upgradeClosed();
            }
            exchange.addExchangeCompleteListener((done, next) -> {
                if (done.getStatusCode() != 101) {
                    IoUtils.safeClose(connection.getConnection());
                }
                next.proceed();
            });
        }
        delegate.completed(exchange, statusRetries == null ? connection : StatusRetry.wrap(connection, exchange, trace, statusRetries));
    }

    @Override
    public void failed(HttpServerExchange exchange) {
        boolean queued = pending != null;
        if (finishFailed()) {
            if (queued) {
                trace.queueFailed(); // the member was busy, not broken (Undertow's queue timeout lands here)
            }
            delegate.failed(exchange);
        }
    }

    @Override
    public void queuedRequestFailed(HttpServerExchange exchange) {
        if (finishFailed()) {
            trace.queueFailed(); // its queue was full: load, not failure
            delegate.queuedRequestFailed(exchange);
        }
    }

    @Override
    public void couldNotResolveBackend(HttpServerExchange exchange) {
        if (finishFailed()) {
            delegate.couldNotResolveBackend(exchange);
        }
    }
}
