package io.sluice.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.util.Set;
import java.util.stream.Collectors;

/** Answers 403 to denied methods (TRACE by default), as httpd's RewriteRule ... [F] does. */
public final class MethodGuardHandler implements HttpHandler {
    private final Set<HttpString> denied;
    private final HttpHandler next;

    public MethodGuardHandler(Set<String> deniedMethods, HttpHandler next) {
        this.denied = deniedMethods.stream().map(HttpString::new).collect(Collectors.toUnmodifiableSet());
        this.next = next;
    }

    public static boolean denies(Set<HttpString> denied, HttpServerExchange exchange) {
        return !denied.isEmpty() && denied.contains(exchange.getRequestMethod());
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (denies(denied, exchange)) {
            Responses.plain(exchange, 403, "method " + exchange.getRequestMethod() + " is not allowed");
            return;
        }
        next.handleRequest(exchange);
    }
}
