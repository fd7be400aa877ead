package io.sluice.pool;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The 503 a pool answers when no member can serve: Retry-After and a short page, held in memory. */
final class UnavailablePage {
    private static final String BUILT_IN = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>503 Service Unavailable</title></head>
            <body><h1>Service Unavailable</h1><p>The service is briefly unavailable. Please try again in a moment.</p></body></html>
            """;

    private final String retryAfterSeconds;
    private final byte[] page;

    UnavailablePage(Duration retryAfter, String customPage) {
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
        this.page = (customPage == null ? BUILT_IN : customPage).getBytes(StandardCharsets.UTF_8);
    }

    void send(HttpServerExchange exchange) {
        exchange.setStatusCode(503);
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, retryAfterSeconds);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(ByteBuffer.wrap(page));
    }
}
