package io.sluice.http;

import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1): the Connection header, every header it
 * names, and the fixed set below. A proper protocol upgrade keeps Upgrade and
 * {@code Connection: Upgrade}. Transfer-Encoding and Content-Length are left to Undertow,
 * which re-frames each hop itself.
 */
public final class HopByHop {
    private static final HttpString PROXY_CONNECTION = new HttpString("Proxy-Connection");
    private static final HttpString HTTP2_SETTINGS = new HttpString("HTTP2-Settings");
    private static final HttpString[] ALWAYS = {
        Headers.KEEP_ALIVE, PROXY_CONNECTION, Headers.TE, Headers.TRAILER, Headers.PROXY_AUTHORIZATION,
        Headers.PROXY_AUTHENTICATE, HTTP2_SETTINGS,
    };

    private HopByHop() {
    }

    /** True for a WebSocket-style upgrade request (not h2c, which the listener handles itself). */
    public static boolean isUpgrade(HeaderMap headers) {
        String upgrade = headers.getFirst(Headers.UPGRADE);
        return upgrade != null && !upgrade.regionMatches(true, 0, "h2c", 0, 3) && connectionHas(headers, "upgrade");
    }

    /** Strips hop-by-hop headers; keepUpgrade leaves Upgrade and Connection: Upgrade in place. */
    public static void strip(HeaderMap headers, boolean keepUpgrade) {
        HeaderValues connection = headers.get(Headers.CONNECTION);
        if (connection != null) {
            for (int i = 0; i < connection.size(); i++) {
                removeNamed(headers, connection.get(i), keepUpgrade);
            }
            headers.remove(Headers.CONNECTION);
        }
        for (HttpString name : ALWAYS) {
            headers.remove(name);
        }
        if (keepUpgrade) {
            headers.put(Headers.CONNECTION, Headers.UPGRADE_STRING);
        } else {
            headers.remove(Headers.UPGRADE);
        }
    }

    private static void removeNamed(HeaderMap headers, String connectionValue, boolean keepUpgrade) {
        int start = 0;
        int length = connectionValue.length();
        while (start < length) {
            int end = connectionValue.indexOf(',', start);
            if (end < 0) {
                end = length;
            }
            int from = start;
            int to = end;
            while (from < to && connectionValue.charAt(from) == ' ') {
                from++;
            }
            while (to > from && connectionValue.charAt(to - 1) == ' ') {
                to--;
            }
            if (to > from) {
                boolean isUpgradeToken = to - from == 7 && connectionValue.regionMatches(true, from, "upgrade", 0, 7);
                boolean isFramingHeader = (to - from == 17 && connectionValue.regionMatches(true, from, "transfer-encoding", 0, 17))
                        || (to - from == 14 && connectionValue.regionMatches(true, from, "content-length", 0, 14));
                // Connection cannot strip the framing headers Undertow needs, nor Host.
                boolean isHost = to - from == 4 && connectionValue.regionMatches(true, from, "host", 0, 4);
                // Keep-Alive is in ALWAYS and goes anyway; skipping it here spares the byte[]
                // HeaderMap.remove(String) allocates per name (browsers send "Connection: keep-alive").
                boolean isKeepAlive = to - from == 10 && connectionValue.regionMatches(true, from, "keep-alive", 0, 10);
                if (!(isUpgradeToken && keepUpgrade) && !isFramingHeader && !isHost && !isKeepAlive) {
                    headers.remove(connectionValue.substring(from, to));
                }
            }
            start = end + 1;
        }
    }

    private static boolean connectionHas(HeaderMap headers, String token) {
        HeaderValues connection = headers.get(Headers.CONNECTION);
        if (connection == null) {
            return false;
        }
        for (int i = 0; i < connection.size(); i++) {
            String value = connection.get(i);
            int at = 0;
            while ((at = indexOfIgnoreCase(value, token, at)) >= 0) {
                boolean startOk = at == 0 || value.charAt(at - 1) == ',' || value.charAt(at - 1) == ' ';
                int after = at + token.length();
                boolean endOk = after == value.length() || value.charAt(after) == ',' || value.charAt(after) == ' ';
                if (startOk && endOk) {
                    return true;
                }
                at = after;
            }
        }
        return false;
    }

    private static int indexOfIgnoreCase(String text, String token, int from) {
        for (int i = from; i + token.length() <= text.length(); i++) {
            if (text.regionMatches(true, i, token, 0, token.length())) {
                return i;
            }
        }
        return -1;
    }
}
