package io.sluice.route;

import io.sluice.config.PoolConfig;
import io.sluice.config.RouteConfig;
import io.sluice.config.MemberConfig;
import io.sluice.http.RequestBodyGuard;
import io.sluice.http.MethodGuardHandler;
import io.sluice.http.Responses;
import io.sluice.pool.Pool;
import io.sluice.pool.RequestTrace;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The route table as a handler: canonicalises the path (refusing traversal tricks),
 * picks the route, applies its method denials, fixed status or prefix rewrite, installs
 * the response rewriting for its pool and hands the exchange to the pool's proxy.
 */
public final class RouteHandler implements HttpHandler {
    private final RouteTable table;
    private final long maxBodySize;
    private final long bodyIdleTimeoutMillis;
    private final com.codahale.metrics.Counter bodyIdleTimeouts;

    private RouteHandler(RouteTable table, long maxBodySize, long bodyIdleTimeoutMillis, com.codahale.metrics.Counter bodyIdleTimeouts) {
        this.table = table;
        this.maxBodySize = maxBodySize;
        this.bodyIdleTimeoutMillis = bodyIdleTimeoutMillis;
        this.bodyIdleTimeouts = bodyIdleTimeouts;
    }

    /** Builds the table; every pool named by a route must be in {@code pools}. */
    public static RouteHandler build(List<RouteConfig> routes, Map<String, Pool> pools, long maxBodySize,
                                     java.time.Duration bodyIdleTimeout, io.sluice.metrics.SluiceMetrics metrics) {
        Map<String, ResponseRewriting> rewritingByPool = new HashMap<>();
        for (Pool pool : pools.values()) {
            rewritingByPool.put(pool.name(), new ResponseRewriting(reverseRewriter(pool.config(), routes), pool));
        }
        List<Route> built = new ArrayList<>();
        for (RouteConfig route : routes) {
            Pool pool = route.pool() == null ? null : pools.get(route.pool());
            built.add(new Route(route, pool, pool == null ? null : rewritingByPool.get(pool.name()), metrics.route(route.name())));
        }
        return new RouteHandler(new RouteTable(built), maxBodySize, bodyIdleTimeout.toMillis(), metrics.bodyIdleTimeouts());
    }

    /** ProxyPassReverse for a pool, derived from every route that sends traffic to it. */
    static ReverseRewriter reverseRewriter(PoolConfig pool, List<RouteConfig> routes) {
        List<ReverseRewriter.Mapping> mappings = new ArrayList<>();
        Set<String> contextPaths = new LinkedHashSet<>();
        for (MemberConfig member : pool.members()) {
            contextPaths.add(member.contextPath());
        }
        for (RouteConfig route : routes) {
            if (pool.name().equals(route.pool())) {
                for (String contextPath : contextPaths) {
                    mappings.add(new ReverseRewriter.Mapping(route.prefix(), joinPath(contextPath, route.backendPrefix())));
                }
            }
        }
        Set<URI> origins = new LinkedHashSet<>();
        for (MemberConfig member : pool.members()) {
            origins.add(member.origin());
        }
        origins.addAll(pool.internalOrigins());
        return new ReverseRewriter(mappings, List.copyOf(origins), pool.dropInternalCookieDomain());
    }

    private static String joinPath(String contextPath, String path) {
        if (contextPath.isEmpty()) {
            return path;
        }
        return path.equals("/") ? contextPath + "/" : contextPath + path;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String raw = rawPath(exchange);
        SafePath.Result safe = SafePath.normalize(raw);
        if (safe.path() == null) {
            Responses.plain(exchange, 400, safe.rejection());
            return;
        }
        String path = safe.path();
        Route route = table.match(exchange, SafePath.routingPath(path));
        if (route == null) {
            Responses.plain(exchange, 404, null);
            return;
        }
        RequestTrace.of(exchange).routeName(route.name);
        route.requests.inc();
        if (MethodGuardHandler.denies(route.deniedMethods, exchange)) {
            Responses.plain(exchange, 403, "method " + exchange.getRequestMethod() + " is not allowed here");
            return;
        }
        if (route.pool == null) {
            Responses.plain(exchange, route.config.status(), null);
            return;
        }
        if (RequestBodyGuard.declaredTooLarge(exchange, maxBodySize)) {
            Responses.plain(exchange, 413, "the request body is larger than " + maxBodySize + " bytes");
            return;
        }
        if (!path.startsWith(route.prefix)) {
            // only when a path parameter sits inside the prefix ("/apim-tok;x=1en"): nothing
            // legitimate sends that, and rewriting it could not be done safely
            Responses.plain(exchange, 400, "path parameter inside the route prefix");
            return;
        }
        String forwarded = route.rewrite == null ? path : route.rewrite.apply(path);
        if (forwarded != path) {
            // the join can create a segment SafePath never saw: "/is-../x" under
            // "/is-" -> "/app/" becomes "/app/../x"
            SafePath.Result joined = SafePath.normalize(forwarded);
            if (joined.path() == null) {
                Responses.plain(exchange, 400, joined.rejection());
                return;
            }
            forwarded = joined.path();
        }
        if (!forwarded.equals(raw) || exchange.isHostIncludedInRequestURI()) {
            exchange.setRequestURI(forwarded, false);
        }
        exchange.setReasonPhrase(ResponseRewriting.NOT_RELAYED);
        exchange.addResponseCommitListener(route.responseRewriting);
        if (RequestBodyGuard.needed(exchange)) {
            RequestBodyGuard.install(exchange, maxBodySize, bodyIdleTimeoutMillis, RequestTrace.of(exchange), bodyIdleTimeouts);
        }
        route.pool.handler().handleRequest(exchange);
    }

    /**
     * What handleRequest would decide for this request, without serving it: for the admin's
     * explain endpoint. The exchange is a detached one carrying method, host, URI and headers.
     */
    public Map<String, Object> explain(HttpServerExchange exchange) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        String raw = rawPath(exchange);
        SafePath.Result safe = SafePath.normalize(raw);
        if (safe.path() == null) {
            out.put("status", 400);
            out.put("why", "unsafe path: " + safe.rejection());
            return out;
        }
        String path = safe.path();
        out.put("path", path);
        Route route = table.match(exchange, SafePath.routingPath(path));
        if (route == null) {
            out.put("status", 404);
            out.put("why", "no route matches");
            return out;
        }
        out.put("route", route.name);
        if (MethodGuardHandler.denies(route.deniedMethods, exchange)) {
            out.put("status", 403);
            out.put("why", "method denied on this route");
            return out;
        }
        if (route.pool == null) {
            out.put("status", route.config.status());
            out.put("why", "fixed-status route");
            return out;
        }
        String forwarded = route.rewrite == null ? path : route.rewrite.apply(path);
        out.put("pool", route.pool.name());
        out.put("forwardedPath", forwarded + (exchange.getQueryString().isEmpty() ? "" : "?" + exchange.getQueryString()));
        out.putAll(route.pool.explain(exchange));
        return out;
    }

    /** The path as the client sent it, without scheme and authority of an absolute-form request. */
    private static String rawPath(HttpServerExchange exchange) {
        String uri = exchange.getRequestURI();
        if (!exchange.isHostIncludedInRequestURI()) {
            return uri;
        }
        int authority = uri.indexOf("//");
        int slash = authority < 0 ? -1 : uri.indexOf('/', authority + 2);
        return slash < 0 ? "/" : uri.substring(slash);
    }
}
