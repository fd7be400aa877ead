package io.sluice.runtime;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * A listener's root handler: tags the exchange with the listener's name, then enters
 * the shared graceful-shutdown gate, behind which the current generation's chain for
 * that listener runs. The generation is read once per request.
 */
final class ListenerIndex implements HttpHandler {
    static final AttachmentKey<ListenerIndex> KEY = AttachmentKey.create(ListenerIndex.class);

    private final String name;
    private final HttpHandler gate;

    ListenerIndex(String name, HttpHandler gate) {
        this.name = name;
        this.gate = gate;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        exchange.putAttachment(KEY, this);
        gate.handleRequest(exchange);
    }

    void handle(Generation generation, HttpServerExchange exchange) throws Exception {
        generation.listenerHandler(name).handleRequest(exchange);
    }
}
