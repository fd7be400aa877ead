package io.sluice.syntax;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * Whether a request (or its trailers) can be written as HTTP/1.1 without a value ending a
 * line early: no CR, LF or NUL in any header value, the method or the query string.
 * HTTP/2 frames carry these bytes opaquely, so every HTTP/2 request is checked before it
 * is proxied to an HTTP/1.1 backend; {@link #http2Refusal} adds the rest of RFC 9113 §8.2
 * that Undertow's HTTP/2 parser does not enforce. Allocation-free.
 */
public final class LineSafety {
    private static final HttpString KEEP_ALIVE = Headers.KEEP_ALIVE;
    private static final HttpString PROXY_CONNECTION = new HttpString("proxy-connection");
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true; // upper case is not allowed in HTTP/2 names
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private LineSafety() {
    }

    public static boolean isSafe(HttpServerExchange exchange) {
        return isSafe(exchange.getRequestHeaders()) && isSafe(exchange.getQueryString())
                && isSafe(exchange.getRequestMethod().toString());
    }

    public static boolean isSafe(HeaderMap headers) {
        for (long cookie = headers.fastIterateNonEmpty(); cookie != -1L; cookie = headers.fiNextNonEmpty(cookie)) {
            HeaderValues values = headers.fiCurrent(cookie);
            for (int i = 0; i < values.size(); i++) {
                if (!isSafe(values.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    public static boolean isSafe(String value) {
        if (value == null) {
            return true;
        }
        // indexOf is a vectorised intrinsic: three scans of a short value cost less than one
        // char-by-char loop (every HTTP/2 request passes here; measured in HeadersBenchmark).
        return value.indexOf('\n') < 0 && value.indexOf('\r') < 0 && value.indexOf(0) < 0;
    }

    /**
     * Why an HTTP/2 request is malformed under RFC 9113 §8.2, or null when it is not:
     * a field name that is not a lower-case token (a ':' outside the pseudo-headers Undertow
     * has already taken out), a value with a control character (CR, LF, NUL and the rest
     * but HTAB) or leading/trailing whitespace, a connection-specific field (connection,
     * keep-alive, proxy-connection, transfer-encoding, upgrade, te other than "trailers"),
     * or CR/LF/NUL in the method or query. Undertow itself resets the stream for upper-case
     * names, connection, te and bad pseudo-headers, and the connection for transfer-encoding.
     */
    public static Refusal http2Refusal(HttpServerExchange exchange) {
        HeaderMap headers = exchange.getRequestHeaders();
        for (long cookie = headers.fastIterateNonEmpty(); cookie != -1L; cookie = headers.fiNextNonEmpty(cookie)) {
            HeaderValues values = headers.fiCurrent(cookie);
            HttpString name = values.getHeaderName();
            // Undertow itself writes :authority into Host (as "Host")
            if (name != Headers.HOST && !isLowerCaseToken(name)) {
                return Refusal.HEADER_NAME;
            }
            if (isConnectionSpecific(name, values)) {
                return Refusal.CONNECTION_HEADER;
            }
            for (int i = 0; i < values.size(); i++) {
                Refusal refusal = valueRefusal(values.get(i));
                if (refusal != null) {
                    return refusal;
                }
            }
        }
        return isSafe(exchange.getQueryString()) && isSafe(exchange.getRequestMethod().toString()) ? null : Refusal.CONTROL_CHAR;
    }

    private static boolean isLowerCaseToken(HttpString name) {
        int length = name.length();
        if (length == 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            byte b = name.byteAt(i);
            if (b < 0 || !TOKEN[b]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isConnectionSpecific(HttpString name, HeaderValues values) {
        return switch (name.length()) {
            case 2 -> name.equals(Headers.TE) && !(values.size() == 1 && "trailers".equals(values.getFirst()));
            case 7 -> name.equals(Headers.UPGRADE);
            case 10 -> name.equals(Headers.CONNECTION) || name.equals(KEEP_ALIVE);
            case 16 -> name.equals(PROXY_CONNECTION);
            case 17 -> name.equals(Headers.TRANSFER_ENCODING);
            default -> false;
        };
    }

    private static Refusal valueRefusal(String value) {
        int length = value.length();
        if (length == 0) {
            return null;
        }
        char first = value.charAt(0);
        char last = value.charAt(length - 1);
        if (first == ' ' || first == '\t' || last == ' ' || last == '\t') {
            return Refusal.HEADER_WHITESPACE;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return Refusal.CONTROL_CHAR;
            }
        }
        return null;
    }
}
