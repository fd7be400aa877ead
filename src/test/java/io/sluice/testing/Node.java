package io.sluice.testing;

import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.Cookie;
import io.undertow.server.handlers.CookieImpl;
import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend node for balancing tests: answers its name, can play a session-issuing node
 * (plain JSESSIONID without a route, or a replicated id.route session that keeps its id
 * on any node), can be slow, has a /health endpoint whose status tests flip, and can be
 * stopped and started again on the same port.
 */
public final class Node implements AutoCloseable {
    /** How the node treats JSESSIONID. */
    public enum Sessions { NONE, PLAIN, REPLICATED_WITH_ROUTE }

    private final String name;
    private final Sessions sessions;
    private final long delayMillis;
    private final AtomicInteger healthStatus = new AtomicInteger(200);
    private final AtomicInteger served = new AtomicInteger();
    /**
     * Replicated sessions, shared by every node as Tomcat's DeltaManager shares them: keyed
     * by the full id ("abc.a"), so a renamed id is an unknown session, i.e. a logout.
     */
    private static final java.util.Map<String, Boolean> REPLICATED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final AtomicInteger LOGOUTS = new AtomicInteger();
    private volatile Undertow server;
    private int port;

    private Node(String name, Sessions sessions, long delayMillis) {
        this.name = name;
        this.sessions = sessions;
        this.delayMillis = delayMillis;
    }

    public static Node start(String name, Sessions sessions) {
        return start(name, sessions, 0);
    }

    public static Node start(String name, Sessions sessions, long delayMillis) {
        Node node = new Node(name, sessions, delayMillis);
        node.listen(0);
        return node;
    }

    private void listen(int wantedPort) {
        Undertow undertow = Undertow.builder().setIoThreads(1).setWorkerThreads(16)
                .addHttpListener(wantedPort, "127.0.0.1").setHandler(this::handle).build();
        undertow.start();
        server = undertow;
        port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    private void handle(HttpServerExchange exchange) throws Exception {
        if (exchange.getRequestPath().equals("/health")) {
            exchange.setStatusCode(healthStatus.get());
            exchange.getResponseSender().send(healthStatus.get() == 200 ? "UP" : "DOWN");
            return;
        }
        if (delayMillis > 0 && exchange.isInIoThread()) {
            exchange.dispatch(this::handle);
            return;
        }
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        served.incrementAndGet();
        Cookie session = exchange.getRequestCookie("JSESSIONID");
        switch (sessions) {
            case PLAIN -> {
                if (session == null) {
                    exchange.setResponseCookie(new CookieImpl("JSESSIONID", UUID.randomUUID().toString().replace("-", "")).setPath("/"));
                }
            }
            case REPLICATED_WITH_ROUTE -> {
                if (session != null && !REPLICATED.containsKey(session.getValue())) {
                    LOGOUTS.incrementAndGet(); // a session id the cluster never issued: the user is logged out
                }
                if (session == null || !REPLICATED.containsKey(session.getValue())) {
                    String id = UUID.randomUUID().toString().replace("-", "") + "." + name;
                    REPLICATED.put(id, Boolean.TRUE);
                    exchange.setResponseCookie(new CookieImpl("JSESSIONID", id).setPath("/"));
                }
            }
            case NONE -> {
            }
        }
        exchange.getResponseSender().send(name);
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Requests that came with a session id no node had issued (in any test so far). */
    public static int logouts() {
        return LOGOUTS.get();
    }

    public int served() {
        return served.get();
    }

    public void health(int status) {
        healthStatus.set(status);
    }

    public void stop() {
        Undertow running = server;
        if (running != null) {
            running.stop();
            server = null;
        }
    }

    /** Starts again on the same port (a node coming back after a restart). */
    public void restart() {
        stop();
        listen(port);
    }

    @Override
    public void close() {
        stop();
    }
}
