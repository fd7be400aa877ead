package io.sluice.pool;

import io.sluice.config.RetryPolicy;
import io.sluice.metrics.PoolMetrics;
import io.undertow.predicate.Predicate;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

/**
 * Undertow's ProxyHandler asks this, whenever an attempt failed after the request was
 * handed to a member and before a response head arrived, whether the request may be sent
 * again (it asks nothing for connect failures, which it always retries: nothing was sent).
 * The answer is yes only for a request that can be replayed whole and cannot be applied
 * twice: an idempotent method and no body. A body already streamed to the failed member is
 * gone, so resending it would deliver an empty or truncated one.
 *
 * <p>This is also the one place that sees every such failure, so it classifies it (silence
 * for response-timeout, else an empty response), counts it, and holds a timeout against the
 * member for passive ejection. Whether the policy allows the retry (retry-on, retries,
 * retry-deadline) is decided when the next attempt asks for a member: see
 * {@link PoolProxyClient#getConnection}.
 */
final class RetryDecision implements Predicate {
    private final long responseTimeoutNanos;
    private final PoolMetrics metrics;

    RetryDecision(long responseTimeoutNanos, PoolMetrics metrics) {
        this.responseTimeoutNanos = responseTimeoutNanos;
        this.metrics = metrics;
    }

    @Override
    public boolean resolve(HttpServerExchange exchange) {
        RequestTrace trace = exchange.getAttachment(RequestTrace.KEY);
        if (trace == null) {
            return false;
        }
        if (trace.takeStatusRetry()) {
            metrics.attemptFailed(trace.lastFailure()); // a member's status, already judged retryable (StatusRetry)
            return true;
        }
        RetryPolicy.Cause cause = trace.silentFor(System.nanoTime(), responseTimeoutNanos)
                ? RetryPolicy.Cause.RESPONSE_TIMEOUT : RetryPolicy.Cause.EMPTY_RESPONSE;
        trace.failed(cause);
        metrics.attemptFailed(cause);
        Member member = trace.member();
        if (cause == RetryPolicy.Cause.RESPONSE_TIMEOUT && member != null) {
            member.markFailed("no response within response-timeout");
        }
        return trace.bodyless() && idempotent(exchange.getRequestMethod());
    }

    /** RFC 9110 9.2.2: the methods whose intended effect is the same however often they are sent. */
    static boolean idempotent(HttpString method) {
        return method.equals(Methods.GET) || method.equals(Methods.HEAD) || method.equals(Methods.PUT) || method.equals(Methods.DELETE)
                || method.equals(Methods.OPTIONS) || method.equals(Methods.TRACE);
    }
}
