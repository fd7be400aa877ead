package io.sluice.ratelimit;

import io.sluice.http.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Sluice-wide request-rate limit per client address, before routing: a request over it
 * gets 429 Too Many Requests with Retry-After and never reaches a route or a member.
 */
public final class RateLimitHandler implements HttpHandler {
    private final RateLimiter limiter;
    private final ClientAddress clients;
    private final com.codahale.metrics.Counter refused;
    private final HttpHandler next;

    public RateLimitHandler(RateLimiter limiter, ClientAddress clients, com.codahale.metrics.Counter refused, HttpHandler next) {
        this.limiter = limiter;
        this.clients = clients;
        this.refused = refused;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long wait = limiter.admit(clients.key(exchange));
        if (wait > 0) {
            refuse(exchange, wait, refused);
            return;
        }
        next.handleRequest(exchange);
    }

    /** 429 with Retry-After, counted. */
    public static void refuse(HttpServerExchange exchange, long retryAfterSeconds, com.codahale.metrics.Counter refused) {
        refused.inc();
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(retryAfterSeconds));
        Responses.plain(exchange, 429, "request rate over the limit");
    }
}
