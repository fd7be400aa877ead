package io.sluice.http;

import io.undertow.server.HttpHandler;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * Tells the request an h2c upgrade started (an HTTP/1.1 request, parsed and checked as
 * HTTP/1.1, that Undertow replays as the connection's first HTTP/2 request, its HTTP/1.1
 * headers and all) apart from the requests the client later sends as HTTP/2 frames, which
 * the HTTP/2 field rules apply to. The mark is a header whose name is this class's own
 * {@link HttpString} instance, which Undertow's replay keeps; a client sending a header of
 * the same name gets another instance, and the header is removed either way.
 */
public final class H2cUpgradeMark {
    private static final HttpString MARK = new HttpString("Sluice-H2c-Upgrade-Request");
    private static final HttpString HTTP2_SETTINGS = new HttpString("HTTP2-Settings");

    private H2cUpgradeMark() {
    }

    /** Wraps Undertow's Http2UpgradeHandler: marks the requests it will upgrade (same condition). */
    public static HttpHandler marking(HttpHandler upgradeHandler) {
        return exchange -> {
            HeaderMap headers = exchange.getRequestHeaders();
            if ("h2c".equals(headers.getFirst(Headers.UPGRADE)) && headers.contains(HTTP2_SETTINGS)) {
                headers.put(MARK, "1");
            }
            upgradeHandler.handleRequest(exchange);
        };
    }

    /** Removes the mark (or a client's header of that name); true when this request carried Sluice's own mark. */
    public static boolean take(HeaderMap headers) {
        HeaderValues mark = headers.get(MARK);
        if (mark == null) {
            return false;
        }
        headers.remove(MARK);
        return mark.getHeaderName() == MARK;
    }
}
