package io.sluice.admin;

import io.sluice.config.AdminConfig;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.XnioWorker;

/**
 * The admin listener, separate from traffic: authentication first, then the JSON API
 * (/api/v1/...). Admin requests run on worker threads, never on the IO threads that
 * carry traffic.
 */
public final class AdminServer implements HttpHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final Undertow undertow;
    private final InetSocketAddress address;
    private final AdminApi api;
    private final io.sluice.metrics.SluiceMetrics metrics;
    private final io.sluice.listener.ListenerMetrics listenerMetrics;
    /** The cluster as this instance sees it (null without one), for /metrics. */
    private final Supplier<Map<String, Object>> cluster;
    private final Supplier<? extends InForce> generation;
    private final RateHistory rates;
    private final ManagerPage page;
    private volatile AdminAuth auth;
    /** Set when Sluice begins to stop: readiness fails from then on. */
    private volatile boolean stopping;

    private AdminServer(AdminConfig config, XnioWorker worker, ByteBufferPool buffers, Supplier<? extends InForce> generation,
                        RuntimeState runtimeState, io.sluice.metrics.SluiceMetrics metrics, io.sluice.listener.ListenerMetrics listenerMetrics,
                        Supplier<io.sluice.admin.ReloadOutcome> rebuild,
                        Supplier<Map<String, Object>> cluster) throws IOException {
        this.metrics = metrics;
        this.listenerMetrics = listenerMetrics;
        this.generation = generation;
        this.auth = new AdminAuth(config);
        this.rates = new RateHistory(generation, metrics);
        this.cluster = cluster;
        this.api = new AdminApi(generation, runtimeState, rebuild, () -> stopping, rates, metrics, cluster);
        this.page = new ManagerPage(api);
        Undertow.Builder builder = Undertow.builder().setWorker(worker).setByteBufferPool(buffers)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 64L * 1024)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 10_000);
        if (config.tls() != null) {
            io.sluice.tls.ServerTls tls;
            try {
                tls = io.sluice.listener.ListenerStarter.serverTls("admin", config.tls());
            } catch (io.sluice.listener.ListenerException e) {
                throw new IOException(e.getMessage());
            }
            builder.addListener(new Undertow.ListenerBuilder().setType(Undertow.ListenerType.HTTPS).setHost(config.bind().host())
                    .setPort(config.bind().port()).setSslContext(tls.context()).setRootHandler(this)
                    .setOverrideSocketOptions(org.xnio.OptionMap.builder()
                            .set(org.xnio.Options.SSL_ENABLED_PROTOCOLS, org.xnio.Sequence.of(tls.protocols()))
                            .set(org.xnio.Options.SSL_ENABLED_CIPHER_SUITES, org.xnio.Sequence.of(tls.cipherSuites())).getMap()));
        } else {
            builder.addHttpListener(config.bind().port(), config.bind().host(), this);
        }
        this.undertow = builder.build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            undertow.stop();
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IOException("the admin listener cannot bind " + config.bind() + ": " + cause.getMessage());
        }
        this.address = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
        LOG.info("admin listener bound {}:{} ({}, {}{})", address.getAddress().getHostAddress(), address.getPort(), config.scheme(),
                auth.hasCredentials() ? "authenticated" : "no users or token: changes are refused",
                config.openRead() ? ", reads open" : "");
        if (!address.getAddress().isLoopbackAddress()) {
            LOG.warn("the admin listener is reachable beyond this host ({}){}: keep it behind a firewall", config.bind(),
                    config.tls() == null ? " over plain http, so passwords and tokens cross the network in clear" : "");
        }
    }

    public static AdminServer start(AdminConfig config, XnioWorker worker, ByteBufferPool buffers, Supplier<? extends InForce> generation,
                                    RuntimeState runtimeState, io.sluice.metrics.SluiceMetrics metrics, io.sluice.listener.ListenerMetrics listenerMetrics,
                                    Supplier<io.sluice.admin.ReloadOutcome> rebuild, Supplier<Map<String, Object>> cluster)
            throws IOException {
        return new AdminServer(config, worker, buffers, generation, runtimeState, metrics, listenerMetrics, rebuild, cluster);
    }

    public InetSocketAddress address() {
        return address;
    }

    /**
     * Sluice has begun to stop (its traffic listeners no longer accept): readiness answers 503
     * from now on, while the admin stays up for the drain, so that a balancer or a keepalived
     * track script in front moves traffic on at once rather than after the drain.
     */
    public void stopping() {
        stopping = true;
    }

    /** New users or token on reload, without rebinding. */
    public void credentials(AdminConfig config) throws IOException {
        this.auth = new AdminAuth(config);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this);
            return;
        }
        exchange.startBlocking();
        exchange.getResponseHeaders().put(Headers.X_FRAME_OPTIONS, "DENY");
        exchange.getResponseHeaders().put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        boolean post = exchange.getRequestMethod().equals(Methods.POST);
        if (!post && !exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD)) {
            AdminApi.send(exchange, 405, Map.of("error", "the admin answers GET, HEAD and POST only"));
            return;
        }
        String caller = auth.caller(exchange);
        if (caller == null && !post && isProbe(exchange.getRelativePath())) {
            caller = "probe"; // liveness and readiness say nothing else: load balancers and keepalived need no secret
        }
        if (caller == null) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Basic realm=\"sluice admin\", charset=\"UTF-8\"");
            AdminApi.send(exchange, 401, Map.of("error", "authentication required: send the user and password of an admin.users entry"
                    + " (Basic) or the token in admin.token-file (Authorization: Bearer ...)"));
            return;
        }
        if (post && !sameOrigin(exchange)) {
            AdminApi.send(exchange, 403, Map.of("error", "cross-origin request refused: a change must come from this admin's own page"
                    + " (Origin " + ownOrigin(exchange) + ") or from a client that sends no Origin (sluice ctl, curl)"));
            return;
        }
        String path = exchange.getRelativePath();
        if (path.equals("/") && !post) {
            page.render(exchange, caller);
        } else if (path.equals("/manager") && post) {
            page.submit(exchange, caller);
        } else if (path.startsWith("/api/v1/")) {
            api.handle(exchange, caller);
        } else if (path.equals("/metrics")) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            exchange.getResponseSender().send(PrometheusText.render(metrics, listenerMetrics, generation.get().pools().values(), cluster.get()));
        } else {
            AdminApi.send(exchange, 404, Map.of("error", "not found: " + path + "; the admin serves / (the page), /api/v1/... and /metrics"));
        }
    }

    /** The two health endpoints answer without credentials (and nothing else does without open-read). */
    static boolean isProbe(String path) {
        return path.equals("/api/v1/health/live") || path.equals("/api/v1/health/ready");
    }

    /** A browser names the page's origin in Origin (or Referer): it must be this admin listener's own. */
    static boolean sameOrigin(HttpServerExchange exchange) {
        String own = ownOrigin(exchange);
        String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (origin != null) {
            return origin.equals(own);
        }
        String referer = exchange.getRequestHeaders().getFirst(Headers.REFERER);
        return referer == null || referer.equals(own) || referer.startsWith(own + "/");
    }

    private static String ownOrigin(HttpServerExchange exchange) {
        return (exchange.getConnection().getSslSessionInfo() != null ? "https://" : "http://")
                + exchange.getRequestHeaders().getFirst(Headers.HOST);
    }

    @Override
    public void close() {
        rates.close();
        undertow.stop();
    }
}
