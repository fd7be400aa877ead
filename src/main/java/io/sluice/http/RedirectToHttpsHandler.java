package io.sluice.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.function.IntSupplier;

/**
 * Answers every request with a 308 to the same path and query on an https listener.
 * 308 rather than 301 so that a POST stays a POST.
 */
public final class RedirectToHttpsHandler implements HttpHandler {
    private final IntSupplier httpsPort;

    public RedirectToHttpsHandler(IntSupplier httpsPort) {
        this.httpsPort = httpsPort;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String host = exchange.getHostName();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        int port = httpsPort.getAsInt();
        String path = exchange.getRequestURI();
        if (exchange.isHostIncludedInRequestURI()) {
            int authority = path.indexOf("//");
            int slash = authority < 0 ? -1 : path.indexOf('/', authority + 2);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        String query = exchange.getQueryString();
        StringBuilder location = new StringBuilder(host.length() + path.length() + 16).append("https://").append(host);
        if (port != 443) {
            location.append(':').append(port);
        }
        location.append(path);
        if (query != null && !query.isEmpty()) {
            location.append('?').append(query);
        }
        exchange.setStatusCode(308);
        exchange.getResponseHeaders().put(Headers.LOCATION, location.toString());
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
        exchange.endExchange();
    }
}
