package io.sluice.pool;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyConnection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * One attempt to get a backend connection for an exchange, bounded by the pool's
 * connect-timeout (XNIO has no connect timeout of its own). Whichever comes first wins:
 * the connection, a failure, or the timer; a connection that arrives after the timer
 * fired is closed. A timeout takes the member out of rotation and lets the proxy
 * handler try another member.
 */
final class ConnectAttempt extends AtomicBoolean implements ProxyCallback<ProxyConnection>, Runnable {
    private static final long serialVersionUID = 1L;

    private final HttpServerExchange exchange;
    private final ProxyCallback<ProxyConnection> delegate;
    private final Member member;
    private final RequestTrace trace;
    private final boolean upgrade;
    private final boolean queued;
    private XnioExecutor.Key timer;

    ConnectAttempt(HttpServerExchange exchange, ProxyCallback<ProxyConnection> delegate, Member member, RequestTrace trace,
                   boolean upgrade, boolean queued) {
        this.exchange = exchange;
        this.delegate = delegate;
        this.member = member;
        this.trace = trace;
        this.upgrade = upgrade;
        this.queued = queued;
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
        return true;
    }

    /** The connect timer fired. */
    @Override
    public void run() {
        if (compareAndSet(false, true)) {
            member.markFailed("no connection within connect-timeout");
            delegate.failed(exchange);
        }
    }

    @Override
    public void completed(HttpServerExchange exchange, ProxyConnection connection) {
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
            exchange.addExchangeCompleteListener((done, next) -> {
                if (done.getStatusCode() != 101) {
                    IoUtils.safeClose(connection.getConnection());
                }
                next.proceed();
            });
        }
        delegate.completed(exchange, connection);
    }

    @Override
    public void failed(HttpServerExchange exchange) {
        if (finish()) {
            if (queued) {
                trace.queueFailed(); // the member was busy, not broken (Undertow's queue timeout lands here)
            }
            delegate.failed(exchange);
        }
    }

    @Override
    public void queuedRequestFailed(HttpServerExchange exchange) {
        if (finish()) {
            trace.queueFailed(); // its queue was full: load, not failure
            delegate.queuedRequestFailed(exchange);
        }
    }

    @Override
    public void couldNotResolveBackend(HttpServerExchange exchange) {
        if (finish()) {
            delegate.couldNotResolveBackend(exchange);
        }
    }
}
