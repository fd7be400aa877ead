package io.sluice.runtime;

import io.sluice.admin.InForce;
import io.sluice.config.FileStamp;
import io.sluice.clientcert.ClientCertificateHeader;
import io.sluice.config.ListenerConfig;
import io.sluice.config.RouteConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.http.HostGuard;
import io.sluice.http.MethodGuardHandler;
import io.sluice.syntax.ServerNames;
import io.sluice.http.RedirectToHttpsHandler;
import io.sluice.http.RequestHeadersHandler;
import io.sluice.log.AccessLogHandler;
import io.sluice.pool.Pool;
import io.sluice.ratelimit.ClientAddress;
import io.sluice.ratelimit.RateLimitHandler;
import io.sluice.route.RouteHandler;
import io.sluice.tls.TlsMaterialException;
import io.undertow.server.HttpHandler;
import io.undertow.connector.ByteBufferPool;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.xnio.XnioWorker;

/**
 * Everything built from one configuration: pools, route table and one handler chain per
 * listener. Requests read the current generation once, at their start; a reload (see
 * the hot reload issue) builds a new one and swaps it in, while requests in flight finish
 * on the one they started on.
 */
public final class Generation implements AutoCloseable, InForce {
    /** The rate-limit scope of the Sluice-wide limit (routes' limits are scoped by route name). */
    private static final String SLUICE_WIDE = "sluice";
    private final SluiceConfig config;
    private final Map<String, Pool> pools;
    private final Map<String, HttpHandler> listenerHandlers;
    private final RouteHandler routes;
    /** The file this generation's configuration came from; a rebuild for run-time member changes keeps its predecessor's. */
    private volatile FileStamp file;

    private Generation(SluiceConfig config, Map<String, Pool> pools, Map<String, HttpHandler> listenerHandlers, RouteHandler routes) {
        this.file = config.source() == null ? null : FileStamp.read(config.source());
        this.config = config;
        this.pools = pools;
        this.listenerHandlers = listenerHandlers;
        this.routes = routes;
    }

    /** The route table, for the admin's explain endpoint. */
    public RouteHandler routes() {
        return routes;
    }

    /**
     * @param boundPort the port an https listener is bound to, for redirects (it may be
     *                  an ephemeral port only known once bound)
     */
    static Generation build(SluiceConfig config, ToIntFunction<String> boundPort, XnioWorker worker, ByteBufferPool buffers,
                            Generation previous, io.sluice.metrics.SluiceMetrics metrics,
                            io.sluice.listener.ListenerMetrics listenerMetrics, io.sluice.ratelimit.RateLimiters limiters,
                            io.sluice.pool.SessionSharing sharing)
            throws StartupException {
        Map<String, Pool> pools = new LinkedHashMap<>();
        try {
            for (PoolConfig poolConfig : config.pools().values()) {
                Pool before = previous == null ? null : previous.pools.get(poolConfig.name());
                pools.put(poolConfig.name(), Pool.build(poolConfig, config.headers(), (int) Math.min(Integer.MAX_VALUE, config.limits().maxHeaderSize()), worker, buffers, before, metrics, sharing));
            }
        } catch (TlsMaterialException e) {
            pools.values().forEach(Pool::close);
            throw new StartupException(e.getMessage());
        }
        ClientAddress clients = new ClientAddress(config.trustedProxies());
        RouteHandler routes = RouteHandler.build(config.routes(), pools, config.limits().maxBodySize(),
                config.limits().bodyIdleTimeout(), clients, metrics, limiters);
        HttpHandler guarded = new MethodGuardHandler(config.denyMethods(), routes);
        if (config.rateLimit().enabled()) {
            guarded = new RateLimitHandler(limiters.limiter(SLUICE_WIDE, config.rateLimit()), clients, metrics.rateLimited(SLUICE_WIDE), guarded);
        }
        Map<String, HttpHandler> handlers = new java.util.HashMap<>();
        for (ListenerConfig listener : config.listeners()) {
            io.sluice.http.Refusals refusals = listenerMetrics.refusals(listener.name());
            // Header hygiene first, so that even a denied request carries a request id in the log.
            HttpHandler inner;
            if (listener.redirectTo() != null) {
                String target = listener.redirectTo();
                inner = new RedirectToHttpsHandler(() -> boundPort.applyAsInt(target));
            } else {
                inner = new RequestHeadersHandler(config.trustedProxies(), config.headers().requestIdHeader(),
                        ClientCertificateHeader.namesToStrip(config.routes().stream().map(RouteConfig::clientCertificateHeader).toList()),
                        refusals, guarded);
            }
            // Host before anything that uses it (redirects, routing by host, the response rewriter's public origin)
            inner = new HostGuard(new ServerNames(listener.serverNames()), refusals, inner);
            HttpHandler handler = config.accessLog().enabled()
                    ? new AccessLogHandler(listener.name(), config.headers().requestIdHeader(), inner)
                    : inner;
            handlers.put(listener.name(), handler);
        }
        return new Generation(config, pools, handlers, routes);
    }

    public SluiceConfig config() {
        return config;
    }

    /** The configuration file in force: which, when it was loaded, its checksum; null for a config not read from a file. */
    public FileStamp file() {
        return file;
    }

    /** Built from the same file as {@code previous} (run-time member changes): the file was not read again. */
    void sameFileAs(Generation previous) {
        file = previous.file;
    }

    public Map<String, Pool> pools() {
        return pools;
    }

    HttpHandler listenerHandler(String listenerName) {
        HttpHandler handler = listenerHandlers.get(listenerName);
        return handler != null ? handler : LISTENER_REMOVED;
    }

    /**
     * A new request on a kept-alive connection of a listener this generation dropped (its
     * socket is closed, its connections drain): 503 and Connection: close, so the client
     * opens a new connection and learns the port is gone, rather than a misleading 404.
     */
    private static final HttpHandler LISTENER_REMOVED = exchange -> {
        exchange.setPersistent(false);
        io.sluice.http.Responses.plain(exchange, 503, "this listener was removed by a reload");
    };

    /**
     * About to be swapped in: its pools take over the members they carried and start their health
     * checks; rate limiters of scopes it no longer has are let go.
     */
    void commit(io.sluice.ratelimit.RateLimiters limiters) {
        pools.values().forEach(Pool::commit);
        java.util.List<String> scopes = new java.util.ArrayList<>();
        if (config.rateLimit().enabled()) {
            scopes.add(SLUICE_WIDE);
        }
        config.routes().stream().filter(route -> route.rateLimit().enabled()).forEach(route -> scopes.add(route.name()));
        limiters.retainOnly(scopes);
    }

    /** Replaced by a newer generation: stop probing now; close the pools once in-flight requests had time to end. */
    void retire() {
        pools.values().forEach(Pool::stopHealthChecks);
    }

    @Override
    public void close() {
        pools.values().forEach(Pool::close);
    }
}
