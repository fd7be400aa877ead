package io.sluice.demo;

import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.Cookie;
import io.undertow.util.Headers;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP server that behaves like one Tomcat node with a {@code jvmRoute}, so
 * {@code sluice demo} can show sticky round robin and failover without a WSO2 install.
 *
 * <p>Like Tomcat it keeps a session only for a {@code JSESSIONID} whose {@code .route}
 * suffix is its own and whose id it knows; otherwise (no cookie, a cookie from another
 * node after a failover, an id it evicted) it starts a session and sends
 * {@code Set-Cookie: JSESSIONID=<id>.<route>; Path=/; HttpOnly}. Each answer shows which
 * node served it and how many requests the session has seen, so lost stickiness is
 * visible at a glance. {@code GET /health} answers {@code ok} without touching sessions.
 */
public final class DemoBackend implements AutoCloseable {

    /** Bounds memory when a load test sends no cookies: every request is a new session. */
    static final int MAX_SESSIONS = 10_000;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final Undertow server;
    private final String jvmRoute;
    private final int port;
    private final Map<String, AtomicLong> sessions = new ConcurrentHashMap<>();

    private DemoBackend(String host, int port, String jvmRoute) {
        this.jvmRoute = jvmRoute;
        this.server = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setHandler(this::handle)
                .build();
        server.start();
        this.port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    /**
     * Starts a node listening on {@code host:port} ({@code port} 0 picks a free port).
     *
     * @param jvmRoute the node's route, appended to session ids as Tomcat does; a token
     *                 without '.', ';', ',', '=', quotes or whitespace
     */
    public static DemoBackend start(String host, int port, String jvmRoute) {
        if (jvmRoute == null || jvmRoute.isEmpty() || !jvmRoute.chars().allMatch(DemoBackend::isRouteChar)) {
            throw new IllegalArgumentException("jvmRoute must be a non-empty token without '.', got " + jvmRoute);
        }
        return new DemoBackend(host, port, jvmRoute);
    }

    private static boolean isRouteChar(int c) {
        return c > 0x20 && c < 0x7F && ".;,=\"'\\".indexOf(c) < 0;
    }

    /** The port actually bound. */
    public int port() {
        return port;
    }

    public String jvmRoute() {
        return jvmRoute;
    }

    /** Sessions currently held (for tests and the demo's summary). */
    public int sessionCount() {
        return sessions.size();
    }

    @Override
    public void close() {
        server.stop();
    }

    // Runs on the IO thread: everything here is non-blocking and short.
    private void handle(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=UTF-8");
        if ("/health".equals(exchange.getRequestPath())) {
            exchange.getResponseSender().send("ok", StandardCharsets.UTF_8);
            return;
        }
        String id = ownSessionId(exchange.getRequestCookie("JSESSIONID"));
        AtomicLong counter = id == null ? null : sessions.get(id);
        if (counter == null) {
            id = newSessionId();
            counter = new AtomicLong();
            evictIfFull();
            sessions.put(id, counter);
            exchange.getResponseHeaders().add(Headers.SET_COOKIE,
                    "JSESSIONID=" + id + "." + jvmRoute + "; Path=/; HttpOnly");
        }
        long count = counter.incrementAndGet();
        String query = exchange.getQueryString();
        String target = query == null || query.isEmpty()
                ? exchange.getRequestURI() : exchange.getRequestURI() + "?" + query;
        exchange.getResponseSender().send("node=" + jvmRoute + " session=" + id + "." + jvmRoute
                + " count=" + count + " path=" + target + "\n", StandardCharsets.UTF_8);
    }

    /** The id part of a JSESSIONID that carries this node's route, else null. */
    private String ownSessionId(Cookie cookie) {
        if (cookie == null) {
            return null;
        }
        String value = cookie.getValue();
        int dot = value.lastIndexOf('.');
        if (dot <= 0 || !value.regionMatches(dot + 1, jvmRoute, 0, jvmRoute.length())
                || value.length() - dot - 1 != jvmRoute.length()) {
            return null;
        }
        return value.substring(0, dot);
    }

    /** Drops an arbitrary session when full: a demo needs a bound, not LRU precision. */
    private void evictIfFull() {
        Iterator<String> it = sessions.keySet().iterator();
        while (sessions.size() >= MAX_SESSIONS && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static String newSessionId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }
}
