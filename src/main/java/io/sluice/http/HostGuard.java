package io.sluice.http;

import io.sluice.syntax.ServerNames;
import io.sluice.syntax.Authority;
import io.sluice.syntax.Refusal;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Protocols;

/**
 * The first check of every request on a listener: its Host (HTTP/2: {@code :authority})
 * must be a valid authority, else 400; and when the listener lists {@code server-names},
 * it must name one of them, else 421 Misdirected Request. The Host decides the public
 * origin Sluice writes into rewritten redirects, so a request for a name Sluice does not
 * serve never reaches a backend or the response rewriter.
 *
 * <p>Undertow validates HTTP/1.1 Host headers itself (one Host, valid syntax, matching an
 * absolute-form target) and answers 400 before any handler; it checks HTTP/2's
 * :authority only for characters a request target may hold (so {@code user@host} or
 * {@code host/path} pass), which this handler refuses.
 */
public final class HostGuard implements HttpHandler {
    private final ServerNames serverNames;
    private final Refusals refusals;
    private final HttpHandler next;

    public HostGuard(ServerNames serverNames, Refusals refusals, HttpHandler next) {
        this.serverNames = serverNames;
        this.refusals = refusals;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        boolean http2 = exchange.getProtocol() == Protocols.HTTP_2_0;
        // HTTP/1.0 may omit Host; an HTTP/1.1 Host Undertow has already checked
        if ((http2 || host != null) && !Authority.isValid(host)) {
            refusals.refused(Refusal.INVALID_HOST, exchange.getSourceAddress());
            if (!http2) {
                exchange.setPersistent(false);
            }
            Responses.plain(exchange, 400, host == null ? "no Host or :authority" : "Host is not a valid authority");
            return;
        }
        if (!serverNames.matches(host)) {
            refusals.refused(Refusal.MISDIRECTED, exchange.getSourceAddress());
            Responses.plain(exchange, 421, "this listener does not serve that host");
            return;
        }
        next.handleRequest(exchange);
    }
}
