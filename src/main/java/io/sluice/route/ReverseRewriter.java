package io.sluice.route;

import io.sluice.path.PrefixRewrite;
import java.net.URI;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * ProxyPassReverse / ProxyPassReverseCookiePath / {@code proxy_redirect}, derived from the
 * routes instead of written by hand: maps backend URLs and cookie paths in response
 * headers back to the public URL space, so WSO2's {@code http://localhost:9763/...} and
 * {@code https://localhost:9443/...} redirects do not leak to browsers.
 *
 * <p>Every rewrite method returns {@code null} when the value stays as it is, so the
 * caller skips the header write; a {@code null} for a value that {@link #isInternal} still
 * recognises is a leak the caller should count. The fast path (a value that cannot
 * concern us) allocates nothing. Immutable and lock-free; safe to share across threads.
 */
public final class ReverseRewriter {

    /**
     * One route's prefix pair: {@code backendPrefix} as the backend sees it and
     * {@code publicPrefix} as clients do ({@code /is-} and {@code /}; a route without a
     * rewrite has both equal). Both must satisfy the same rules as {@link PrefixRewrite}.
     * {@code hostBound}: the route names a host, and like such a route on the request
     * path it wins over a route for any host with a prefix of the same length.
     *
     * <p>The join is httpd's plain concatenation, so {@code /is-} and {@code /} turn
     * {@code /commonauth} into {@code /is-commonauth}, and by the same rule {@code /app}
     * and {@code /} turn {@code /x} into {@code /appx}: a directory-style mount must end
     * both prefixes with '/' ({@code /app/} and {@code /}) to get {@code /app/x} back.
     */
    public record Mapping(String publicPrefix, String backendPrefix, boolean hostBound) {
        public Mapping {
            PrefixRewrite.requireRoutePath("publicPrefix", publicPrefix);
            PrefixRewrite.requireRoutePath("backendPrefix", backendPrefix);
        }

        /** A route for any host. */
        public Mapping(String publicPrefix, String backendPrefix) {
            this(publicPrefix, backendPrefix, false);
        }
    }

    /** An internal origin with the scheme's default port filled in; host in lower case. */
    private record Origin(boolean https, String host, int port) {
    }

    /**
     * Longest backendPrefix first, host-bound first among equal lengths, then list order (a
     * stable sort); in a {@link #preferring} copy the request's own route comes first among equal lengths.
     */
    private final Mapping[] mappings;
    private final Origin[] origins;
    private final boolean dropInternalCookieDomain;
    /**
     * The other pools' rewriters: a redirect naming another pool's origin (APIM sending the
     * browser to IS's https://localhost:9443/commonauth) maps through that pool's routes.
     */
    private final ReverseRewriter[] otherPools;

    /**
     * @param mappings                 one per route
     * @param internalOrigins          {@code scheme://host[:port]} of every pool member and every
     *                                 extra origin the operator lists; http or https, no path
     * @param dropInternalCookieDomain remove {@code Domain=} attributes naming an internal host
     * @throws IllegalArgumentException for an origin that is not a bare http(s) origin
     */
    public ReverseRewriter(List<Mapping> mappings, List<URI> internalOrigins, boolean dropInternalCookieDomain) {
        Mapping[] m = mappings.toArray(new Mapping[0]);
        for (Mapping each : m) {
            if (each == null) {
                throw new IllegalArgumentException("null mapping");
            }
        }
        Arrays.sort(m, Comparator.comparingInt((Mapping x) -> x.backendPrefix().length()).reversed()
                .thenComparing(x -> !x.hostBound()));
        this.mappings = m;
        this.origins = internalOrigins.stream().map(ReverseRewriter::origin).toArray(Origin[]::new);
        this.dropInternalCookieDomain = dropInternalCookieDomain;
        this.otherPools = new ReverseRewriter[0];
    }

    private ReverseRewriter(Mapping[] mappings, ReverseRewriter own, ReverseRewriter[] otherPools) {
        this.mappings = mappings;
        this.origins = own.origins;
        this.dropInternalCookieDomain = own.dropInternalCookieDomain;
        this.otherPools = otherPools;
    }

    /**
     * This rewriter for the responses to requests that came through the route with public
     * prefix {@code routePrefix}: among this pool's routes with equally long backend prefixes,
     * that route's mapping comes first. Two routes to one backend path ({@code /} as itself
     * and {@code /is-/} stripped to {@code /}) make the way back ambiguous, and the request's
     * own route is the one its client uses: a cookie set on {@code Path=/} in answer to
     * {@code /x} stays on {@code /}, in answer to {@code /is-/x} it moves to {@code /is-/}.
     */
    public ReverseRewriter preferring(String routePrefix) {
        Mapping[] ordered = mappings.clone();
        // stable: the constructor's order (host-bound first, then list order) holds among the rest
        Arrays.sort(ordered, Comparator.comparingInt((Mapping x) -> x.backendPrefix().length()).reversed()
                .thenComparing(x -> !x.publicPrefix().equals(routePrefix))
                .thenComparing(x -> !x.hostBound()));
        return new ReverseRewriter(ordered, this, otherPools);
    }

    /**
     * This pool's rewriter that also maps absolute URLs on the other pools' origins: an
     * internal URL maps through the most specific route (longest backendPrefix) among all
     * pools that know its origin, this pool's first at equal length, so that two pools
     * sharing an origin (APIM and IS both calling themselves https://localhost:9443) each
     * get their own paths back. A host-specific view passes only the routes for its host.
     */
    public ReverseRewriter withOtherPools(List<ReverseRewriter> others) {
        return new ReverseRewriter(mappings, this, others.stream().filter(other -> other != this).toArray(ReverseRewriter[]::new));
    }

    private static Origin origin(URI uri) {
        String s = uri.toString();
        int authStart = UriScan.schemeLength(s);
        int authEnd = authStart < 0 ? -1 : UriScan.authorityEnd(s, authStart);
        if (authEnd < 0 || UriScan.hostStart(s, authStart, authEnd) != authStart
                || !(authEnd == s.length() || s.substring(authEnd).equals("/"))) {
            throw new IllegalArgumentException("internal origin must look like http(s)://host[:port], got " + s);
        }
        int hostEnd = UriScan.hostEnd(s, authStart, authEnd);
        boolean https = authStart == 8;
        int port = hostEnd < 0 ? -1 : UriScan.port(s, hostEnd, authEnd, https);
        if (port < 0) {
            throw new IllegalArgumentException("internal origin has a bad host or port: " + s);
        }
        return new Origin(https, s.substring(authStart, hostEnd).toLowerCase(Locale.ROOT), port);
    }

    // ------------------------------------------------------------------ Location

    /**
     * Rewrites a {@code Location} or {@code Content-Location} value.
     * <ul>
     *   <li>Absolute URL on an internal origin: the path (as the browser will resolve it,
     *       i.e. without dot-segments; empty means "/") is mapped by the longest matching
     *       backendPrefix and the origin becomes {@code publicScheme://publicAuthority};
     *       query and fragment are kept byte for byte. No matching mapping: {@code null}
     *       (a leak, see {@link #isInternal}).</li>
     *   <li>Path-absolute reference ({@code /x}, not {@code //x}): the same path mapping,
     *       staying relative; {@code null} if no mapping changes it.</li>
     *   <li>{@code http} URL naming the public authority while {@code publicScheme} is
     *       https: the scheme becomes https (httpd's {@code Header edit Location ^http https},
     *       limited to our own host so other sites' http links are not broken).</li>
     *   <li>Anything else: {@code null}.</li>
     * </ul>
     *
     * @param publicScheme    scheme the client used, e.g. {@code https}
     * @param publicAuthority host[:port] the client used, e.g. {@code sso.example.com}
     */
    public String rewriteLocation(String value, String publicScheme, String publicAuthority) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        char c0 = value.charAt(0);
        if (c0 == '/') {
            // "//host/x" is a network-path reference: its host is not ours to guess.
            return value.length() > 1 && value.charAt(1) == '/' ? null : mapPath(value, 0, null, null, false, 0, 0, 0);
        }
        if (c0 != 'h' && c0 != 'H') {
            return null;
        }
        int authStart = UriScan.schemeLength(value);
        if (authStart < 0) {
            return null;
        }
        boolean https = authStart == 8;
        int authEnd = UriScan.authorityEnd(value, authStart);
        if (authEnd < 0) {
            return null;
        }
        int hostStart = UriScan.hostStart(value, authStart, authEnd);
        int hostEnd = UriScan.hostEnd(value, hostStart, authEnd);
        if (hostEnd < 0) {
            return null;
        }
        int port = UriScan.port(value, hostEnd, authEnd, https);
        if (port < 0) {
            return null;
        }
        if (isInternalToAnyPool(value, https, hostStart, hostEnd, port)) {
            return mapPath(value, authEnd, publicScheme, publicAuthority, https, hostStart, hostEnd, port);
        }
        if (!https && "https".equalsIgnoreCase(publicScheme)
                && namesPublicAuthority(value, hostStart, hostEnd, port, publicAuthority)) {
            return new StringBuilder(value.length() + 1)
                    .append(publicScheme).append("://").append(publicAuthority)
                    .append(value, authEnd, value.length())
                    .toString();
        }
        return null;
    }

    /** Where scheme, host and port sit in an absolute http(s) URL (off the request path: 3xx responses only). */
    private record AbsoluteUrl(boolean https, int hostStart, int hostEnd, int port) {
        /** The parts of {@code url}, or null when it is not an absolute http(s) URL with a valid host and port. */
        static AbsoluteUrl of(String url) {
            if (url == null || url.isEmpty()) {
                return null;
            }
            int authStart = UriScan.schemeLength(url);
            int authEnd = authStart < 0 ? -1 : UriScan.authorityEnd(url, authStart);
            if (authEnd < 0) {
                return null;
            }
            boolean https = authStart == 8;
            int hostStart = UriScan.hostStart(url, authStart, authEnd);
            int hostEnd = UriScan.hostEnd(url, hostStart, authEnd);
            int port = hostEnd < 0 ? -1 : UriScan.port(url, hostEnd, authEnd, https);
            return port < 0 ? null : new AbsoluteUrl(https, hostStart, hostEnd, port);
        }
    }

    /**
     * True if {@code absoluteUrl} is an http(s) URL on an internal origin of any pool, e.g. a
     * {@code Location} that is still internal after {@link #rewriteLocation}: a redirect leak.
     */
    public boolean isInternal(String absoluteUrl) {
        AbsoluteUrl url = AbsoluteUrl.of(absoluteUrl);
        return url != null && isInternalToAnyPool(absoluteUrl, url);
    }

    private boolean isInternalToAnyPool(String value, AbsoluteUrl url) {
        return isInternalToAnyPool(value, url.https(), url.hostStart(), url.hostEnd(), url.port());
    }

    private boolean isInternalToAnyPool(String v, boolean https, int hostStart, int hostEnd, int port) {
        if (isInternal(v, https, hostStart, hostEnd, port)) {
            return true;
        }
        for (ReverseRewriter other : otherPools) {
            if (other.isInternal(v, https, hostStart, hostEnd, port)) {
                return true;
            }
        }
        return false;
    }

    /**
     * For an absolute http(s) URL that no pool knows as internal but that cannot be a
     * public address either: its origin ({@code scheme://host:port}), else null. That is a
     * loopback or private-range host (WSO2 names itself "localhost" and by its node's
     * address) or the host of a member on another port; such a redirect leaks the backend
     * and the operator needs to list it in internal-origins. The public host itself never
     * counts, whatever its address.
     */
    public String unlistedInternalOrigin(String absoluteUrl, String publicAuthority) {
        AbsoluteUrl url = AbsoluteUrl.of(absoluteUrl);
        if (url == null || isInternalToAnyPool(absoluteUrl, url)) {
            return null;
        }
        String host = absoluteUrl.substring(url.hostStart(), url.hostEnd()).toLowerCase(Locale.ROOT);
        int publicHostEnd = UriScan.hostEnd(publicAuthority, 0, publicAuthority.length());
        if (publicHostEnd == host.length() && publicAuthority.regionMatches(true, 0, host, 0, publicHostEnd)) {
            return null; // the name clients use, even when it is a private address (an intranet)
        }
        if (!LocalAddresses.isLocalOrPrivate(host) && !isMemberHost(host)) {
            return null;
        }
        return (url.https() ? "https://" : "http://") + host + ":" + url.port();
    }

    private boolean isMemberHost(String host) {
        for (Origin o : origins) {
            if (o.host.equals(host)) {
                return true;
            }
        }
        for (ReverseRewriter other : otherPools) {
            for (Origin o : other.origins) {
                if (o.host.equals(host)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean isInternal(String v, boolean https, int hostStart, int hostEnd, int port) {
        int hostLen = hostEnd - hostStart;
        for (Origin o : origins) {
            if (o.https == https && o.port == port && o.host.length() == hostLen
                    && v.regionMatches(true, hostStart, o.host, 0, hostLen)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Same host as {@code publicAuthority}, and a port that is http's default or the public
     * one: a backend that believes it is on plain http writes either.
     */
    private static boolean namesPublicAuthority(String v, int hostStart, int hostEnd, int port, String publicAuthority) {
        int n = publicAuthority.length();
        int pubHostEnd = UriScan.hostEnd(publicAuthority, 0, n);
        if (pubHostEnd < 0 || pubHostEnd != hostEnd - hostStart
                || !v.regionMatches(true, hostStart, publicAuthority, 0, pubHostEnd)) {
            return false;
        }
        return port == 80 || port == UriScan.port(publicAuthority, pubHostEnd, n, true);
    }

    /**
     * Maps the path starting at {@code pathStart} and keeps everything from the first '?'
     * or '#' on. With a {@code scheme} the result is absolute on the public origin (and
     * the origin alone counts as a change), mapped through the most specific route of any
     * pool that knows the URL's origin (see {@link #moreSpecific}); without, it stays
     * relative and only this pool's routes apply (the member that answered is this pool's).
     */
    private String mapPath(String v, int pathStart, String scheme, String authority,
                           boolean https, int hostStart, int hostEnd, int port) {
        int pathEnd = UriScan.pathEnd(v, pathStart);
        String path = v;
        int from = pathStart;
        int to = pathEnd;
        if (from == to) {
            path = "/"; // http://host?x has the path "/" (RFC 3986 §6.2.3)
            from = 0;
            to = 1;
        } else if (UriScan.hasDotSegment(v, from, to)) {
            // Map what the browser will request, not the spelling: WSO2 sends
            // .../carbon/../authenticationendpoint/... redirects.
            path = UriScan.removeDotSegments(v, from, to);
            from = 0;
            to = path.length();
        }
        Mapping m = null;
        boolean isDirectory = false;
        for (int i = scheme == null ? -1 : otherPools.length - 1; i >= -1; i--) {
            ReverseRewriter pool = i < 0 ? this : otherPools[i];
            if (scheme != null && !pool.isInternal(v, https, hostStart, hostEnd, port)) {
                continue;
            }
            Mapping candidate = pool.longestMatch(path, from, to);
            boolean candidateIsDirectory = candidate == null;
            if (candidateIsDirectory) {
                candidate = pool.bareDirectory(path, from, to);
            }
            if (candidate != null && (m == null || moreSpecific(candidate, candidateIsDirectory, m, isDirectory))) {
                m = candidate;
                isDirectory = candidateIsDirectory;
            }
        }
        Mapping directory = isDirectory ? m : null;
        if (m == null || (scheme == null && m.publicPrefix().equals(m.backendPrefix()))) {
            return null;
        }
        StringBuilder out = new StringBuilder(v.length() + 64);
        if (scheme != null) {
            out.append(scheme).append("://").append(authority);
        }
        if (directory != null) {
            out.append(m.publicPrefix()); // "/ctx" for a "/ctx/" mount: its public directory
        } else {
            PrefixRewrite.appendJoined(out, m.publicPrefix(), PrefixRewrite.endsWithSlash(m.backendPrefix()),
                    path, from + m.backendPrefix().length(), to);
        }
        if (scheme == null) {
            collapseLeadingSlashes(out);
        }
        out.append(v, pathEnd, v.length());
        // Only equal if an operator listed the public origin itself as internal.
        return out.length() == v.length() && v.contentEquals(out) ? null : out.toString();
    }

    /**
     * Whether {@code a} matched more of the path than {@code b} (a bare directory, "/ctx"
     * for "/ctx/", one less than its prefix), or as much from a host-bound route while
     * {@code b} is not. Ties go to {@code a}: the walk over the pools runs backwards, so that
     * this pool, then the earlier others, win them.
     */
    private static boolean moreSpecific(Mapping a, boolean aIsBareDirectory, Mapping b, boolean bIsBareDirectory) {
        int lengthA = a.backendPrefix().length() - (aIsBareDirectory ? 1 : 0);
        int lengthB = b.backendPrefix().length() - (bIsBareDirectory ? 1 : 0);
        return lengthA > lengthB || (lengthA == lengthB && (a.hostBound() || !b.hostBound()));
    }

    /**
     * A relative result must stay path-absolute: "/commonauth//evil.example/x" mapped from
     * "/commonauth" to "/" would otherwise become "//evil.example/x", which a browser reads
     * as another host (and "/\\evil.example" likewise, since browsers take '\\' for '/').
     * The leading run of slashes and backslashes becomes one slash.
     */
    private static void collapseLeadingSlashes(StringBuilder path) {
        int end = 1;
        while (end < path.length() && (path.charAt(end) == '/' || path.charAt(end) == '\\')) {
            end++;
        }
        if (end > 1) {
            path.delete(1, end);
        }
    }

    /**
     * The directory mapping ("/ctx/") whose backendPrefix is {@code s[from, to)} plus a
     * slash: Tomcat names a context "/ctx" in cookie paths and redirects, without the
     * slash that the member URL's context path ends the mapping with.
     */
    private Mapping bareDirectory(String s, int from, int to) {
        int length = to - from;
        for (Mapping m : mappings) {
            String bp = m.backendPrefix();
            if (bp.length() == length + 1 && bp.endsWith("/") && length > 0 && s.regionMatches(from, bp, 0, length)) {
                return m;
            }
        }
        return null;
    }

    /** The mapping with the longest backendPrefix that {@code s[from, to)} starts with. */
    private Mapping longestMatch(String s, int from, int to) {
        for (Mapping m : mappings) {
            String bp = m.backendPrefix();
            if (bp.length() <= to - from && s.startsWith(bp, from)) {
                return m;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ Refresh

    /**
     * Rewrites the URL of a {@code Refresh} value ({@code 5; url=http://...}, {@code url=}
     * in any case and optional, URL optionally quoted, as browsers parse it) with
     * {@link #rewriteLocation}; everything around the URL is kept.
     */
    public String rewriteRefresh(String value, String publicScheme, String publicAuthority) {
        if (value == null) {
            return null;
        }
        int n = value.length();
        int i = skipSpaces(value, 0);
        int delayStart = i;
        while (i < n && (isDigit(value.charAt(i)) || value.charAt(i) == '.')) {
            i++;
        }
        if (i == delayStart) {
            return null;
        }
        i = skipSpaces(value, i);
        if (i >= n || (value.charAt(i) != ';' && value.charAt(i) != ',')) {
            return null;
        }
        i = skipSpaces(value, i + 1);
        if (value.regionMatches(true, i, "url", 0, 3)) {
            int j = skipSpaces(value, i + 3);
            if (j < n && value.charAt(j) == '=') {
                i = skipSpaces(value, j + 1);
            }
        }
        if (i >= n) {
            return null;
        }
        int urlStart = i;
        int urlEnd = n;
        char q = value.charAt(i);
        if (q == '"' || q == '\'') {
            urlStart++;
            int close = value.indexOf(q, urlStart);
            if (close >= 0) {
                urlEnd = close;
            }
        } else {
            urlEnd = trimEnd(value, urlStart, n);
        }
        if (urlStart >= urlEnd) {
            return null;
        }
        char u0 = value.charAt(urlStart);
        if (u0 != '/' && u0 != 'h' && u0 != 'H') { // nothing rewriteLocation would touch
            return null;
        }
        String url = rewriteLocation(value.substring(urlStart, urlEnd), publicScheme, publicAuthority);
        if (url == null) {
            return null;
        }
        return new StringBuilder(n + url.length())
                .append(value, 0, urlStart).append(url).append(value, urlEnd, n)
                .toString();
    }

    // ------------------------------------------------------------------ Set-Cookie

    /**
     * Rewrites a {@code Set-Cookie} value: each {@code Path=} attribute (name in any case)
     * is mapped by the longest matching backendPrefix, like httpd's
     * ProxyPassReverseCookiePath, except that a path ending in '/' keeps covering
     * everything below it: {@code Path=/} under {@code /is-} and {@code /} stays
     * {@code Path=/}, because {@code Path=/is-} would path-match (RFC 6265 §5.1.4) only
     * {@code /is-} and {@code /is-/...}, not {@code /is-commonauth}); with
     * {@code dropInternalCookieDomain}, each
     * {@code Domain=} naming an internal host (leading dot ignored) is removed together
     * with its ';'. Everything else is kept byte for byte.
     */
    public String rewriteSetCookie(String setCookie) {
        if (setCookie == null) {
            return null;
        }
        int n = setCookie.length();
        int semi = setCookie.indexOf(';'); // attributes start after the name=value pair
        StringBuilder out = null;
        int copied = 0; // setCookie[0, copied) is already in out
        while (semi >= 0) {
            int next = setCookie.indexOf(';', semi + 1);
            int attrEnd = next < 0 ? n : next;
            int nameStart = skipSpaces(setCookie, semi + 1);
            int eq = setCookie.indexOf('=', nameStart);
            if (eq >= 0 && eq < attrEnd) {
                int nameEnd = trimEnd(setCookie, nameStart, eq);
                int valueStart = skipSpaces(setCookie, eq + 1);
                int valueEnd = trimEnd(setCookie, valueStart, attrEnd);
                if (isName(setCookie, nameStart, nameEnd, "path")) {
                    boolean isPath = valueStart < valueEnd && setCookie.charAt(valueStart) == '/';
                    Mapping m = isPath ? longestMatch(setCookie, valueStart, valueEnd) : null;
                    Mapping directory = isPath && m == null ? bareDirectory(setCookie, valueStart, valueEnd) : null;
                    if (directory != null && !directory.publicPrefix().equals(directory.backendPrefix())) {
                        // Path=/ctx covers /ctx and below: the public directory without its slash ("/" stays "/")
                        if (out == null) {
                            out = new StringBuilder(n + 32);
                        }
                        out.append(setCookie, copied, valueStart);
                        String publicPath = directory.publicPrefix();
                        out.append(publicPath, 0, publicPath.length() > 1 && publicPath.endsWith("/") ? publicPath.length() - 1 : publicPath.length());
                        copied = valueEnd;
                    } else if (m != null && !m.publicPrefix().equals(m.backendPrefix())) {
                        if (out == null) {
                            out = new StringBuilder(n + 32);
                        }
                        out.append(setCookie, copied, valueStart);
                        int mappedStart = out.length();
                        PrefixRewrite.appendJoined(out, m.publicPrefix(), PrefixRewrite.endsWithSlash(m.backendPrefix()),
                                setCookie, valueStart + m.backendPrefix().length(), valueEnd);
                        // A backend path ending in '/' covers everything below it; "/is-" would
                        // path-match only "/is-" itself (RFC 6265 §5.1.4), so cut back to the last
                        // '/': Path=/ stays Path=/ under a "/is-" <-> "/" route.
                        if (setCookie.charAt(valueEnd - 1) == '/' && out.charAt(out.length() - 1) != '/') {
                            out.setLength(out.lastIndexOf("/") + 1);
                            if (out.length() <= mappedStart) {
                                out.append('/');
                            }
                        }
                        copied = valueEnd;
                    }
                } else if (dropInternalCookieDomain && isName(setCookie, nameStart, nameEnd, "domain")
                        && isInternalHost(setCookie, valueStart, valueEnd)) {
                    if (out == null) {
                        out = new StringBuilder(n);
                    }
                    out.append(setCookie, copied, semi); // drop from this ';' up to the next one
                    copied = attrEnd;
                }
            }
            semi = next;
        }
        if (out == null) {
            return null;
        }
        String rewritten = out.append(setCookie, copied, n).toString();
        return rewritten.equals(setCookie) ? null : rewritten;
    }

    private boolean isInternalHost(String s, int from, int to) {
        if (from < to && s.charAt(from) == '.') {
            from++;
        }
        int len = to - from;
        for (Origin o : origins) {
            if (o.host.length() == len && s.regionMatches(true, from, o.host, 0, len)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isName(String s, int from, int to, String lowerName) {
        return to - from == lowerName.length() && s.regionMatches(true, from, lowerName, 0, lowerName.length());
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int trimEnd(String s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return to;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
