package io.sluice.route;

/**
 * Index-based scanning of the parts of an http(s) URL that redirect rewriting needs.
 *
 * <p>Hand-written instead of {@link java.net.URI} because it runs on every redirect: it
 * allocates nothing, and it is deliberately narrower than a general parser. Anything it
 * does not fully understand yields {@code -1}, and callers then leave the value alone.
 * Every method takes and returns indexes into the caller's string.
 */
final class UriScan {

    private UriScan() {
    }

    /** 8 for {@code https://}, 7 for {@code http://} (any case), else -1. */
    static int schemeLength(String v) {
        if (v.regionMatches(true, 0, "https://", 0, 8)) {
            return 8;
        }
        if (v.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        return -1;
    }

    /**
     * End of the authority starting at {@code from}: the first '/', '?' or '#', or the end.
     * -1 if the authority holds a backslash, space or control character: browsers treat
     * '\' as '/' in http URLs, so such a value would be read differently by them and by us.
     */
    static int authorityEnd(String v, int from) {
        int n = v.length();
        for (int i = from; i < n; i++) {
            char c = v.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
            if (c == '\\' || c <= 0x20 || c == 0x7F) {
                return -1;
            }
        }
        return n;
    }

    /** Start of the host: just after the last '@' of the authority (userinfo), else {@code from}. */
    static int hostStart(String v, int from, int authEnd) {
        for (int i = authEnd - 1; i >= from; i--) {
            if (v.charAt(i) == '@') {
                return i + 1;
            }
        }
        return from;
    }

    /**
     * End of the host (after the ']' of an IPv6 literal), i.e. where ":port" or the end of
     * the authority begins; -1 if the host is empty or the text after it is not ":port".
     */
    static int hostEnd(String v, int hostStart, int authEnd) {
        if (hostStart >= authEnd) {
            return -1;
        }
        int end;
        if (v.charAt(hostStart) == '[') {
            int close = v.indexOf(']', hostStart);
            if (close < 0 || close >= authEnd) {
                return -1;
            }
            end = close + 1;
        } else {
            end = v.indexOf(':', hostStart);
            if (end < 0 || end > authEnd) {
                end = authEnd;
            }
        }
        if (end == hostStart || (end < authEnd && v.charAt(end) != ':')) {
            return -1;
        }
        return end;
    }

    /**
     * The effective port: the digits after ':' at {@code hostEnd}, or the scheme's default
     * (80/443) when absent or empty (RFC 3986 §6.2.3); -1 if not a port number.
     */
    static int port(String v, int hostEnd, int authEnd, boolean https) {
        if (hostEnd + 1 >= authEnd) { // no ':' or an empty port
            return https ? 443 : 80;
        }
        if (authEnd - hostEnd - 1 > 5) {
            return -1;
        }
        int port = 0;
        for (int i = hostEnd + 1; i < authEnd; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    /** End of the path starting at {@code from}: the first '?' or '#', or the end. */
    static int pathEnd(String v, int from) {
        int n = v.length();
        for (int i = from; i < n; i++) {
            char c = v.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return n;
    }

    /** True if the path {@code v[from, to)} has a segment that a browser resolves as '.' or '..'. */
    static boolean hasDotSegment(String v, int from, int to) {
        int segStart = from + 1; // v[from] is the leading '/'
        while (segStart <= to) {
            int segEnd = segmentEnd(v, segStart, to);
            if (dotKind(v, segStart, segEnd) != 0) {
                return true;
            }
            segStart = segEnd + 1;
        }
        return false;
    }

    /**
     * RFC 3986 §5.2.4 remove_dot_segments on the absolute path {@code v[from, to)}, with
     * the dot spellings browsers accept ({@code %2e}, any case; WHATWG URL standard), so
     * the result is the path the browser will actually request. '..' above the root stays
     * at the root, as in browsers.
     */
    static String removeDotSegments(String v, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int slash = from; // index of the '/' that starts the current segment
        while (slash < to) {
            int segStart = slash + 1;
            int segEnd = segmentEnd(v, segStart, to);
            boolean last = segEnd == to;
            int kind = dotKind(v, segStart, segEnd);
            if (kind == 0) {
                out.append(v, slash, segEnd);
            } else {
                if (kind == 2) {
                    int cut = out.lastIndexOf("/");
                    out.setLength(Math.max(cut, 0));
                }
                if (last) {
                    out.append('/'); // "/a/." and "/a/b/.." name the directory: keep its '/'
                }
            }
            slash = segEnd;
        }
        if (out.length() == 0) {
            out.append('/');
        }
        return out.toString();
    }

    private static int segmentEnd(String v, int segStart, int to) {
        for (int i = segStart; i < to; i++) {
            if (v.charAt(i) == '/') {
                return i;
            }
        }
        return to;
    }

    /** 1 for a '.' segment, 2 for '..', 0 otherwise; '.' may be spelled %2e / %2E. */
    private static int dotKind(String v, int start, int end) {
        int dots = 0;
        int i = start;
        while (i < end) {
            if (v.charAt(i) == '.') {
                i++;
            } else if (i + 3 <= end && v.charAt(i) == '%' && v.charAt(i + 1) == '2'
                    && (v.charAt(i + 2) | 0x20) == 'e') {
                i += 3;
            } else {
                return 0;
            }
            if (++dots > 2) {
                return 0;
            }
        }
        return dots;
    }
}
