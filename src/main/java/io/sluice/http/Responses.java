package io.sluice.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;

/** Small plain-text answers Sluice gives itself (403, 404, 400, fixed-status routes). */
public final class Responses {
    private Responses() {
    }

    public static void plain(HttpServerExchange exchange, int status, String detail) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        String body = status + " " + StatusCodes.getReason(status) + (detail == null ? "" : ": " + detail) + "\n";
        exchange.getResponseSender().send(body);
    }
}
