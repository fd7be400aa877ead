package io.sluice.route;

import io.sluice.clientcert.ClientCertificateHeader;
import io.sluice.config.MemberConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.RouteConfig;
import io.sluice.http.MethodGuardHandler;
import io.sluice.http.RequestBodyGuard;
import io.sluice.http.Responses;
import io.sluice.path.SafePath;
import io.sluice.pool.Pool;
import io.sluice.pool.RequestTrace;
import io.sluice.ratelimit.ClientAddress;
import io.sluice.ratelimit.RateLimitHandler;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
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
    private final ClientAddress clients;
    private final long bodyIdleTimeoutMillis;
    private final com.codahale.metrics.Counter bodyIdleTimeouts;
    /** Client-certificate header names, which no client may send in request trailers either. */
    private final HttpString[] certificateTrailers;

    private RouteHandler(RouteTable table, long maxBodySize, ClientAddress clients, long bodyIdleTimeoutMillis,
                         com.codahale.metrics.Counter bodyIdleTimeouts, List<String> certificateHeaders) {
        this.certificateTrailers = certificateHeaders.stream().map(HttpString::new).toArray(HttpString[]::new);
        this.table = table;
        this.maxBodySize = maxBodySize;
        this.clients = clients;
        this.bodyIdleTimeoutMillis = bodyIdleTimeoutMillis;
        this.bodyIdleTimeouts = bodyIdleTimeouts;
    }

    /** Builds the table; every pool named by a route must be in {@code pools}. */
    public static RouteHandler build(List<RouteConfig> routes, Map<String, Pool> pools, long maxBodySize,
                                     java.time.Duration bodyIdleTimeout, ClientAddress clients, io.sluice.metrics.SluiceMetrics metrics,
                                     io.sluice.ratelimit.RateLimiters limiters) {
        List<String> routeHosts = routes.stream().map(RouteConfig::host).filter(java.util.Objects::nonNull)
                .map(host -> host.toLowerCase(java.util.Locale.ROOT)).distinct().toList();
        Map<String, ReverseRewriter> anyHost = rewritersFor(null, pools, routes);
        List<Map<String, ReverseRewriter>> byHost = new ArrayList<>();
        for (String host : routeHosts) {
            byHost.add(rewritersFor(host, pools, routes));
        }
        Map<String, ResponseRewriting> rewritingByPool = new HashMap<>();
        for (Pool pool : pools.values()) {
            ReverseRewriter[] hostRewriters = byHost.stream().map(view -> view.get(pool.name())).toArray(ReverseRewriter[]::new);
            rewritingByPool.put(pool.name(), new ResponseRewriting(anyHost.get(pool.name()),
                    routeHosts.toArray(String[]::new), hostRewriters, pool));
        }
        List<Route> built = new ArrayList<>();
        for (RouteConfig route : routes) {
            Pool pool = route.pool() == null ? null : pools.get(route.pool());
            built.add(new Route(route, pool, pool == null ? null : rewritingByPool.get(pool.name()).forRoute(route.prefix()), metrics.route(route.name()),
                    route.rateLimit().enabled() ? limiters.limiter(route.name(), route.rateLimit()) : null, metrics.rateLimited(route.name())));
        }
        return new RouteHandler(new RouteTable(built), maxBodySize, clients, bodyIdleTimeout.toMillis(), metrics.bodyIdleTimeouts(),
                ClientCertificateHeader.namesToStrip(routes.stream().map(RouteConfig::clientCertificateHeader).toList()));
    }

    /**
     * Every pool's rewriter as seen from requests for {@code host} (null: a host no route
     * names), each knowing all the others: a response may name any pool's origin, and
     * only the routes that serve this host may map it.
     */
    private static Map<String, ReverseRewriter> rewritersFor(String host, Map<String, Pool> pools, List<RouteConfig> routes) {
        Map<String, ReverseRewriter> own = new java.util.LinkedHashMap<>();
        for (Pool pool : pools.values()) {
            own.put(pool.name(), reverseRewriter(pool.config(), routes, host));
        }
        List<ReverseRewriter> all = List.copyOf(own.values());
        own.replaceAll((name, rewriter) -> rewriter.withOtherPools(all));
        return own;
    }

    /**
     * ProxyPassReverse for a pool, derived from every route that sends it traffic for
     * requests to {@code host} (null: a host no route names): the routes bound to that
     * host and those for any host.
     */
    static ReverseRewriter reverseRewriter(PoolConfig pool, List<RouteConfig> routes, String host) {
        List<ReverseRewriter.Mapping> mappings = new ArrayList<>();
        Set<String> contextPaths = new LinkedHashSet<>();
        for (MemberConfig member : pool.members()) {
            contextPaths.add(member.contextPath());
        }
        for (RouteConfig route : routes) {
            boolean visible = route.host() == null || route.host().equalsIgnoreCase(host);
            if (visible && pool.name().equals(route.pool())) {
                for (String contextPath : contextPaths) {
                    mappings.add(new ReverseRewriter.Mapping(route.prefix(), joinPath(contextPath, route.backendPrefix()), route.host() != null));
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

    /**
     * What the route table decides for a request, before anything is served: refused with
     * a status (and why), or sent to a route's pool with the path the member sees. One
     * decision for traffic and for the admin's explain.
     */
    record Decision(Route route, int status, String why, String path, String forwardedPath) {
        static Decision refused(Route route, int status, String why, String path) {
            return new Decision(route, status, why, path, null);
        }
    }

    /** Decides a request without touching it (the same exchange may be a detached one, for explain). */
    Decision decide(HttpServerExchange exchange) {
        SafePath.Result safe = SafePath.normalize(rawPath(exchange));
        if (safe.path() == null) {
            return Decision.refused(null, 400, safe.rejection(), null);
        }
        String path = safe.path();
        Route route = table.match(exchange, SafePath.routingPath(path));
        if (route == null) {
            return Decision.refused(null, 404, null, path);
        }
        if (MethodGuardHandler.denies(route.deniedMethods, exchange)) {
            return Decision.refused(route, 403, "method " + exchange.getRequestMethod() + " is not allowed here", path);
        }
        if (route.pool == null) {
            return Decision.refused(route, route.config.status(), null, path);
        }
        if (RequestBodyGuard.declaredTooLarge(exchange, maxBodySize)) {
            return Decision.refused(route, 413, "the request body is larger than " + maxBodySize + " bytes", path);
        }
        if (!path.startsWith(route.prefix)) {
            // only when a path parameter sits inside the prefix ("/apim-tok;x=1en"): nothing
            // legitimate sends that, and rewriting it could not be done safely
            return Decision.refused(route, 400, "path parameter inside the route prefix", path);
        }
        String forwarded = route.rewrite == null ? path : route.rewrite.apply(path);
        if (forwarded != path) {
            // the join can create a segment SafePath never saw: "/is-../x" under
            // "/is-" -> "/app/" becomes "/app/../x"
            SafePath.Result joined = SafePath.normalize(forwarded);
            if (joined.path() == null) {
                return Decision.refused(route, 400, joined.rejection(), path);
            }
            forwarded = joined.path();
        }
        return new Decision(route, 0, null, path, forwarded);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Decision decision = decide(exchange);
        Route route = decision.route();
        RequestTrace trace = RequestTrace.of(exchange);
        if (route != null) {
            trace.routeName(route.name);
            route.requests.inc();
            if (route.rateLimit != null) {
                long wait = route.rateLimit.admit(clients.key(exchange));
                if (wait > 0) {
                    RateLimitHandler.refuse(exchange, wait, route.rateLimited);
                    return;
                }
            }
        }
        if (decision.status() != 0) {
            Responses.plain(exchange, decision.status(), decision.why());
            return;
        }
        String forwarded = decision.forwardedPath();
        if (!forwarded.equals(exchange.getRequestURI()) || exchange.isHostIncludedInRequestURI()) {
            exchange.setRequestURI(forwarded, false);
        }
        exchange.setReasonPhrase(ResponseRewriting.NOT_RELAYED);
        exchange.addResponseCommitListener(route.responseRewriting);
        if (RequestBodyGuard.needed(exchange)) {
            RequestBodyGuard.install(exchange, maxBodySize, bodyIdleTimeoutMillis, trace, bodyIdleTimeouts, certificateTrailers);
        }
        trace.retry(route.config.retry(), exchange.isRequestComplete());
        if (route.clientCertificate != null) {
            route.clientCertificate.apply(exchange);
        }
        route.pool.handler().handleRequest(exchange);
    }

    /**
     * What handleRequest would decide for this request, without serving it: for the admin's
     * explain endpoint. The exchange is a detached one carrying method, host, URI and headers.
     */
    public Map<String, Object> explain(HttpServerExchange exchange) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        Decision decision = decide(exchange);
        Route route = decision.route();
        if (decision.path() != null) {
            out.put("path", decision.path());
        }
        if (route != null) {
            out.put("route", route.name);
        }
        if (decision.status() != 0) {
            out.put("status", decision.status());
            out.put("why", route == null ? (decision.status() == 404 ? "no route matches" : "unsafe path: " + decision.why())
                    : route.pool == null ? "fixed-status route" : decision.why());
            return out;
        }
        if (route.rateLimit != null) {
            out.put("rateLimit", "429 with Retry-After above " + route.config.rateLimit());
        }
        out.put("pool", route.pool.name());
        if (route.config.clientCertificateHeader() != null) {
            out.put("clientCertificateHeader", route.config.clientCertificateHeader().describe());
        }
        out.put("forwardedPath", decision.forwardedPath() + (exchange.getQueryString().isEmpty() ? "" : "?" + exchange.getQueryString()));
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
