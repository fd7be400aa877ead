package io.sluice.route;

import io.sluice.config.RetryPolicy;
import io.sluice.http.HopByHop;
import io.sluice.pool.Pool;
import io.sluice.pool.RequestTrace;
import io.sluice.pool.Tunnel;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ResponseCommitListener;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * Runs just before a proxied response head goes to the client: strips hop-by-hop
 * headers and maps Location, Content-Location, Refresh and Set-Cookie paths from the
 * backend's view back to the public URL (ProxyPassReverse, derived from the routes).
 * One instance per pool, shared by every exchange: it holds no per-request state.
 */
final class ResponseRewriting implements ResponseCommitListener {
    private static final HttpString REFRESH = new HttpString("Refresh");
    /**
     * Put in the reason-phrase slot before proxying. Undertow's proxy overwrites the slot
     * with the backend's phrase (null for Tomcat, which sends none) whenever it relays a
     * response, so finding this very instance at commit means Sluice's proxy made the
     * response itself. A distinct instance, compared by identity.
     */
    @SuppressWarnings("StringOperationCanBeSimplified")
    static final String NOT_RELAYED = new String("not relayed");

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ResponseRewriting.class);

    /** For requests to a host that no route names. */
    private final ReverseRewriter anyHost;
    /** The route hosts and, at the same index, the rewriter that sees their routes. */
    private final String[] routeHosts;
    private final ReverseRewriter[] hostRewriters;
    private final java.util.Set<String> warnedOrigins = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Pool pool;
    private final long websocketIdleMillis;
    private final String retryAfterSeconds;

    ResponseRewriting(ReverseRewriter anyHost, String[] routeHosts, ReverseRewriter[] hostRewriters, Pool pool) {
        if (routeHosts.length != hostRewriters.length) {
            throw new IllegalArgumentException("one rewriter per route host");
        }
        this.anyHost = anyHost;
        this.routeHosts = routeHosts;
        this.hostRewriters = hostRewriters;
        this.pool = pool;
        this.websocketIdleMillis = pool.config().websocketIdleTimeout().toMillis();
        this.retryAfterSeconds = Long.toString(Math.max(1, pool.config().retryAfter().toSeconds()));
    }

    /** The same rewriting for the responses to one route's requests: its own mapping wins where routes share a backend path. */
    ResponseRewriting forRoute(String routePrefix) {
        ReverseRewriter[] hosts = new ReverseRewriter[hostRewriters.length];
        for (int i = 0; i < hosts.length; i++) {
            hosts[i] = hostRewriters[i].preferring(routePrefix);
        }
        return new ResponseRewriting(anyHost.preferring(routePrefix), routeHosts, hosts, pool);
    }

    @Override
    public void beforeCommit(HttpServerExchange exchange) {
        RequestTrace trace = exchange.getAttachment(RequestTrace.KEY);
        boolean relayed = exchange.getReasonPhrase() != NOT_RELAYED;
        if (!relayed) {
            exchange.setReasonPhrase(null);
            if (trace != null) {
                correctGatewayStatus(exchange, trace, System.nanoTime());
            }
        } else if (trace != null) {
            trace.responseStarted(System.nanoTime());
        }
        if (exchange.getStatusCode() == 101) {
            if (trace != null) {
                Tunnel.install(exchange, trace, websocketIdleMillis);
            }
            return; // the upgrade answer needs its Connection and Upgrade headers
        }
        HeaderMap headers = exchange.getResponseHeaders();
        HopByHop.strip(headers, false);
        String scheme = trace != null && trace.publicScheme() != null ? trace.publicScheme() : exchange.getRequestScheme();
        String authority = exchange.getRequestHeaders().getFirst(Headers.HOST);
        if (authority == null) {
            afterRewriting(exchange, trace, relayed, scheme);
            return;
        }
        ReverseRewriter rewriter = rewriterFor(exchange);
        boolean locationRewritten = rewriteUrlHeader(rewriter, headers, Headers.LOCATION, scheme, authority);
        if (relayed && exchange.getStatusCode() / 100 == 3) {
            String location = headers.getFirst(Headers.LOCATION);
            if (location != null && rewriter.isInternal(location)) {
                pool.metrics().redirectLeaked(); // still names a backend: the number one WSO2 proxy bug
            } else if (locationRewritten) {
                pool.metrics().redirectRewritten();
            } else if (location != null && location.length() > 8 && (location.charAt(0) | 0x20) == 'h') {
                String unlisted = rewriter.unlistedInternalOrigin(location, authority);
                if (unlisted != null) {
                    pool.metrics().redirectLeaked();
                    warnOnce(unlisted);
                }
            }
        }
        rewriteUrlHeader(rewriter, headers, Headers.CONTENT_LOCATION, scheme, authority);
        String refresh = headers.getFirst(REFRESH);
        if (refresh != null) {
            String rewritten = rewriter.rewriteRefresh(refresh, scheme, authority);
            if (rewritten != null) {
                headers.put(REFRESH, rewritten);
            }
        }
        HeaderValues cookies = headers.get(Headers.SET_COOKIE);
        if (cookies != null) {
            for (int i = 0; i < cookies.size(); i++) {
                String rewritten = rewriter.rewriteSetCookie(cookies.get(i));
                if (rewritten != null) {
                    cookies.set(i, rewritten);
                }
            }
        }
        afterRewriting(exchange, trace, relayed, scheme);
    }

    /**
     * Undertow's proxy answers 503 for every failure of its own, also when the backend was
     * reached and then timed out or hung up without answering. Such answers are corrected
     * as a gateway should: 504 after the response timeout, else 502; 413 when the failure
     * was a request body over limits.max-body-size, and 408 (for the log: the connection or
     * stream is gone) when the client stopped sending its body. Relayed backend responses are
     * never touched (see NOT_RELAYED).
     */
    private void correctGatewayStatus(HttpServerExchange exchange, RequestTrace trace, long now) {
        if (trace.bodyTooLarge()) {
            exchange.setStatusCode(413);
            return;
        }
        if (trace.bodyStalled()) {
            exchange.setStatusCode(408);
            return;
        }
        if (exchange.getStatusCode() != 503) {
            return;
        }
        if (trace.lastFailure() == RetryPolicy.Cause.RESPONSE_TIMEOUT) {
            exchange.setStatusCode(504);
        } else if (trace.nanosSinceConnected(now) >= 0) {
            exchange.setStatusCode(502);
        } else if (!exchange.getResponseHeaders().contains(Headers.RETRY_AFTER)) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, retryAfterSeconds); // no member could be reached
        }
    }

    /**
     * One warning per origin (a bounded number of them), saying what to add: the backend
     * names itself by an address the client cannot reach, and the redirect went out as is.
     */
    private void warnOnce(String origin) {
        if (warnedOrigins.size() < 64 && warnedOrigins.add(origin)) {
            LOG.warn("pool {}: a redirect names {}, an internal address that no pool lists, and reached the client unchanged; "
                    + "if the pool's nodes call themselves that, add internal-origins = [\"{}\"] to pool {}",
                    pool.name(), origin, origin, pool.name());
        }
    }

    /** Sluice's own cookies come last: they are public already and must not be mapped as backend paths. */
    private void afterRewriting(HttpServerExchange exchange, RequestTrace trace, boolean relayed, String scheme) {
        if (relayed && trace != null) {
            pool.onRelayedResponse(exchange, trace, "https".equals(scheme));
        }
    }

    /** The rewriter for the routes of the request's host: the route that matched is among them. */
    private ReverseRewriter rewriterFor(HttpServerExchange exchange) {
        if (routeHosts.length == 0) {
            return anyHost;
        }
        String hostName = exchange.getHostName();
        for (int i = 0; i < routeHosts.length; i++) {
            if (Route.sameHost(routeHosts[i], hostName)) {
                return hostRewriters[i];
            }
        }
        return anyHost;
    }

    private static boolean rewriteUrlHeader(ReverseRewriter rewriter, HeaderMap headers, HttpString name, String scheme, String authority) {
        String value = headers.getFirst(name);
        if (value != null) {
            String rewritten = rewriter.rewriteLocation(value, scheme, authority);
            if (rewritten != null) {
                headers.put(name, rewritten);
                return true;
            }
        }
        return false;
    }
}
