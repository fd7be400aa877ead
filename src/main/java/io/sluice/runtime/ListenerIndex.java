package io.sluice.runtime;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * A listener's root handler: tags the exchange with the listener's position, then enters
 * the shared graceful-shutdown gate, behind which the current generation's chain for
 * that listener runs. The generation is read once per request.
 */
final class ListenerIndex implements HttpHandler {
    static final AttachmentKey<ListenerIndex> KEY = AttachmentKey.create(ListenerIndex.class);

    private final int index;
    private final HttpHandler gate;

    ListenerIndex(int index, HttpHandler gate) {
        this.index = index;
        this.gate = gate;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        exchange.putAttachment(KEY, this);
        gate.handleRequest(exchange);
    }

    void handle(Generation generation, HttpServerExchange exchange) throws Exception {
        generation.listenerHandler(index).handleRequest(exchange);
    }
}
