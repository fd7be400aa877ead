package io.sluice.testing;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A real Undertow backend on 127.0.0.1 (port 0) with a small thread budget; counts the
 * requests its handler saw. Bodies are unlimited (Undertow caps them at 2 MiB by default).
 */
public final class UndertowBackend implements AutoCloseable {
    private final Undertow undertow;
    private final int port;
    private final AtomicInteger requests = new AtomicInteger();

    private UndertowBackend(SSLContext tls, HttpHandler handler) {
        HttpHandler counting = exchange -> {
            requests.incrementAndGet();
            handler.handleRequest(exchange);
        };
        Undertow.Builder builder = Undertow.builder()
                .setIoThreads(1)
                .setWorkerThreads(4)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, Long.MAX_VALUE)
                .setHandler(counting);
        if (tls == null) {
            builder.addHttpListener(0, "127.0.0.1");
        } else {
            builder.addHttpsListener(0, "127.0.0.1", tls);
        }
        undertow = builder.build();
        undertow.start();
        port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    public static UndertowBackend http(HttpHandler handler) {
        return new UndertowBackend(null, handler);
    }

    public static UndertowBackend https(SSLContext context, HttpHandler handler) {
        return new UndertowBackend(context, handler);
    }

    public int port() {
        return port;
    }

    /** Requests that reached the handler. */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
