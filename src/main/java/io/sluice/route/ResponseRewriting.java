package io.sluice.route;

import io.sluice.http.HopByHop;
import io.sluice.pool.RequestTrace;
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

    private final ReverseRewriter rewriter;

    ResponseRewriting(ReverseRewriter rewriter) {
        this.rewriter = rewriter;
    }

    @Override
    public void beforeCommit(HttpServerExchange exchange) {
        RequestTrace trace = exchange.getAttachment(RequestTrace.KEY);
        if (trace != null) {
            trace.responseStarted(System.nanoTime());
        }
        if (exchange.getStatusCode() == 101) {
            return; // the upgrade answer needs its Connection and Upgrade headers
        }
        HeaderMap headers = exchange.getResponseHeaders();
        HopByHop.strip(headers, false);
        String scheme = exchange.getRequestScheme();
        String authority = exchange.getRequestHeaders().getFirst(Headers.HOST);
        if (authority == null) {
            return;
        }
        rewriteUrlHeader(headers, Headers.LOCATION, scheme, authority);
        rewriteUrlHeader(headers, Headers.CONTENT_LOCATION, scheme, authority);
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
    }

    private void rewriteUrlHeader(HeaderMap headers, HttpString name, String scheme, String authority) {
        String value = headers.getFirst(name);
        if (value != null) {
            String rewritten = rewriter.rewriteLocation(value, scheme, authority);
            if (rewritten != null) {
                headers.put(name, rewritten);
            }
        }
    }
}
