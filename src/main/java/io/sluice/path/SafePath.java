package io.sluice.path;

/**
 * Vets and normalises a raw request path before it is matched against route prefixes and
 * forwarded as {@code rewrite + remainder}.
 *
 * <p>The backend (Tomcat inside WSO2) strips {@code ;params} per segment, percent-decodes,
 * then resolves {@code .}/{@code ..}. So a prefix check done by the proxy on the raw string
 * proves nothing unless every way of spelling "go up a directory" or "this is a separator"
 * has been refused first. After {@link #normalize} accepts a path:
 * <ul>
 *   <li>no segment is {@code .} or {@code ..} once decoded and stripped of parameters
 *       (raw or {@code %3B}), so the backend can never resolve above the rewritten prefix;</li>
 *   <li>no encoded {@code /} or {@code \} and no raw {@code \} exist, so the backend cannot
 *       see a separator the proxy did not see;</li>
 *   <li>no NUL, control character (ASCII CTL: 0x00-0x1F, 0x7F; raw or encoded) or raw
 *       space exists, so nothing can truncate the path or split the request line we send
 *       on. Encoded bytes 0x80-0x9F are kept: they are UTF-8 continuation bytes.</li>
 * </ul>
 * Escapes of unreserved characters are decoded (RFC 3986 §6.2.2.2) so that {@code /%61pi}
 * and {@code /api} match the same route; every other escape is kept, hex upper-cased
 * (RFC 3986 §6.2.2.1), because decoding it would change the meaning of the path.
 * Double slashes and path parameters are kept as sent.
 *
 * <p>Allocation-free apart from the {@link Result}: an unchanged path is returned as the
 * same String instance and rejections are shared constants (their reasons never echo the
 * input, so they are safe to put in a 400 body or a log line).
 */
public final class SafePath {

    /**
     * Outcome of {@link #normalize}: exactly one of {@code path} and {@code rejection} is
     * non-null.
     */
    public record Result(String path, String rejection) {
        public Result {
            if ((path == null) == (rejection == null)) {
                throw new IllegalArgumentException("exactly one of path and rejection must be set");
            }
        }

        /** True when the path was accepted; {@link #path()} is then non-null. */
        public boolean ok() {
            return path != null;
        }
    }

    // Shared, so a flood of bad requests allocates nothing.
    static final Result NOT_ABSOLUTE = reject("path does not start with '/'");
    static final Result MALFORMED_ESCAPE = reject("malformed percent-escape");
    static final Result ENCODED_SEPARATOR = reject("encoded '/' or '\\' in path");
    static final Result BACKSLASH = reject("backslash in path");
    static final Result ENCODED_NUL = reject("encoded NUL in path");
    static final Result ENCODED_CONTROL = reject("encoded control character in path");
    static final Result RAW_CONTROL = reject("control character or space in path");
    static final Result DOT_SEGMENT = reject("'.' or '..' segment in path");

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private SafePath() {
    }

    private static Result reject(String reason) {
        return new Result(null, reason);
    }

    /**
     * Normalises {@code rawPath} (the path as received: no query string, percent-encoded as
     * the client sent it).
     *
     * @return the accepted path ({@code result.path() == rawPath} when nothing had to change)
     *         or a short, input-free rejection reason
     */
    public static Result normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return NOT_ABSOLUTE;
        }
        final int n = rawPath.length();
        StringBuilder out = null; // created on the first change only

        // State of the current segment's name, i.e. the part before its first ';'
        // (that is what Tomcat keeps). A name of one or two chars that are all '.'
        // after decoding is a dot-segment.
        int nameLen = 0;
        boolean nameAllDots = true;
        boolean inParams = false;

        for (int i = 1; i < n; i++) { // index 0 is the leading '/'
            char c = rawPath.charAt(i);
            if (c == '/') {
                if (isDotSegment(nameLen, nameAllDots)) {
                    return DOT_SEGMENT;
                }
                if (nameLen == 0 && !inParams) {
                    // "//": merged, as Tomcat, nginx (merge_slashes) and httpd do, so that
                    // "//carbon" cannot slip past a route for "/carbon"
                    if (out == null) {
                        out = copyOfPrefix(rawPath, i);
                    }
                    continue;
                }
                nameLen = 0;
                nameAllDots = true;
                inParams = false;
                if (out != null) {
                    out.append('/');
                }
                continue;
            }
            if (c == '%') {
                if (i + 2 >= n) {
                    return MALFORMED_ESCAPE;
                }
                int hi = hexValue(rawPath.charAt(i + 1));
                int lo = hexValue(rawPath.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return MALFORMED_ESCAPE;
                }
                int b = (hi << 4) | lo;
                if (b == '/' || b == '\\') {
                    return ENCODED_SEPARATOR;
                }
                if (b == 0) {
                    return ENCODED_NUL;
                }
                if (b < 0x20 || b == 0x7F) {
                    return ENCODED_CONTROL;
                }
                if (isUnreserved(b)) {
                    if (out == null) {
                        out = copyOfPrefix(rawPath, i);
                    }
                    out.append((char) b);
                    c = (char) b; // a decoded '.' counts towards a dot-segment
                } else {
                    if (out == null && (isLowerHex(rawPath.charAt(i + 1)) || isLowerHex(rawPath.charAt(i + 2)))) {
                        out = copyOfPrefix(rawPath, i);
                    }
                    if (out != null) {
                        out.append('%').append(HEX[hi]).append(HEX[lo]);
                    }
                    // An encoded ';' ends the name too: some servlet containers split
                    // parameters after decoding, so "..%3Bx" must not slip through as a name.
                    c = b == ';' ? ';' : '%';
                }
                i += 2;
            } else {
                if (c == '\\') {
                    return BACKSLASH;
                }
                if (c <= 0x20 || c == 0x7F) {
                    return RAW_CONTROL;
                }
                if (out != null) {
                    out.append(c);
                }
            }
            if (!inParams) {
                if (c == ';') {
                    inParams = true;
                } else {
                    nameLen++;
                    nameAllDots &= c == '.';
                }
            }
        }
        if (isDotSegment(nameLen, nameAllDots)) {
            return DOT_SEGMENT;
        }
        return new Result(out == null ? rawPath : out.toString(), null);
    }

    /**
     * The path as a servlet container resolves it for mapping: path parameters (";...")
     * removed from every segment, and segments left empty by that merged away. Routes are
     * matched on this view, so "/carbon;x/admin" and "/;x/carbon" meet the route for
     * "/carbon" as Tomcat would. Takes a path accepted by {@link #normalize}; returns the
     * same instance when it holds no ';'.
     */
    public static String routingPath(String normalizedPath) {
        if (normalizedPath.indexOf(';') < 0) {
            return normalizedPath;
        }
        StringBuilder out = new StringBuilder(normalizedPath.length());
        int n = normalizedPath.length();
        int start = 1;
        while (start <= n) {
            int end = normalizedPath.indexOf('/', start);
            if (end < 0) {
                end = n;
            }
            int semi = normalizedPath.indexOf(';', start);
            int nameEnd = semi >= 0 && semi < end ? semi : end;
            if (nameEnd > start) {
                out.append('/').append(normalizedPath, start, nameEnd);
            } else if (end == n) {
                out.append('/'); // a trailing empty segment keeps the trailing slash
            }
            start = end + 1;
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    private static boolean isDotSegment(int nameLen, boolean nameAllDots) {
        return nameAllDots && (nameLen == 1 || nameLen == 2);
    }

    private static StringBuilder copyOfPrefix(String s, int end) {
        StringBuilder sb = new StringBuilder(s.length());
        sb.append(s, 0, end);
        return sb;
    }

    /** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
    private static boolean isUnreserved(int b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    private static boolean isLowerHex(char c) {
        return c >= 'a' && c <= 'f';
    }
}
