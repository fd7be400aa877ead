package io.sluice.path;

/**
 * ProxyPass-style prefix rewrite: the matched {@code prefix} of a path is replaced by
 * {@code replacement} and the remainder is kept byte for byte (parameters and escapes
 * included).
 *
 * <p>Matching is plain string prefix matching, exactly as httpd's {@code ProxyPass}:
 * {@code /is-} matches {@code /is-commonauth}, and {@code /x} matches {@code /xa}. The join
 * follows httpd too (plain concatenation) except for one fix: when the replacement ends
 * with {@code '/'} and the remainder starts with the path's own separator, one of the two
 * is dropped, so {@code /app -> /} turns {@code /app/x} into {@code /x}, not {@code //x}.
 * A {@code //} the client itself sent right after a prefix that ends with {@code '/'} is
 * kept, like any other double slash. The opposite case, a prefix ending in {@code '/'}
 * with a replacement that does not ({@code /app/ -> /b} would turn {@code /app/x} into
 * {@code /bx}), can only lose a slash, so it is refused at construction.
 *
 * <p>Both strings must be paths in the form {@link SafePath#normalize} produces (otherwise
 * the prefix could never match a normalised path, or the replacement could smuggle a
 * dot-segment to the backend).
 *
 * @param prefix      the public prefix, starting with {@code '/'}
 * @param replacement what the backend sees instead of {@code prefix}; {@code null} keeps
 *                    the path as it is
 */
public record PrefixRewrite(String prefix, String replacement) {

    public PrefixRewrite {
        requireRoutePath("prefix", prefix);
        if (replacement != null) {
            requireRoutePath("replacement", replacement);
            if (endsWithSlash(prefix) && !endsWithSlash(replacement)) {
                throw new IllegalArgumentException("prefix '" + prefix + "' ends with '/' but replacement '"
                        + replacement + "' does not, so " + prefix + "x would become " + replacement
                        + "x; end the replacement with '/' too");
            }
        }
    }

    /**
     * Rewrites a path that starts with this prefix (a path from {@link SafePath}).
     *
     * @return the backend path, never empty; the same instance when nothing changes
     * @throws IllegalArgumentException when the path does not start with the prefix
     *                                  (a routing bug, not a client error)
     */
    public String apply(String normalizedPath) {
        if (!normalizedPath.startsWith(prefix)) {
            throw new IllegalArgumentException("path does not start with prefix " + prefix);
        }
        if (replacement == null || replacement.equals(prefix)) {
            return normalizedPath;
        }
        int from = prefix.length();
        int to = normalizedPath.length();
        StringBuilder out = new StringBuilder(replacement.length() + to - from);
        appendJoined(out, replacement, endsWithSlash(prefix), normalizedPath, from, to);
        return out.toString();
    }

    /**
     * The one join rule, shared with {@link ReverseRewriter} so both directions agree:
     * appends {@code replacement} and then {@code src[from, to)}, the remainder after a
     * matched prefix, dropping the remainder's leading {@code '/'} when the replacement
     * already ends with one and the matched prefix did not (then that '/' is the
     * separator the prefix stopped at, not a double slash the client sent).
     * The result is never empty because a replacement always starts with {@code '/'}.
     */
    public static void appendJoined(StringBuilder out, String replacement, boolean matchedEndsWithSlash,
                             String src, int from, int to) {
        out.append(replacement);
        if (!matchedEndsWithSlash && endsWithSlash(replacement) && from < to && src.charAt(from) == '/') {
            from++;
        }
        out.append(src, from, to);
    }

    public static boolean endsWithSlash(String s) {
        return s.charAt(s.length() - 1) == '/';
    }

    /**
     * A prefix or replacement must be a normalised, safe, query-free path: config errors
     * surface at load time instead of as silent non-matches at request time.
     */
    public static void requireRoutePath(String what, String p) {
        if (p == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
            throw new IllegalArgumentException(what + " '" + p + "' must not contain '?' or '#'");
        }
        SafePath.Result r = SafePath.normalize(p);
        if (!r.ok()) {
            throw new IllegalArgumentException(what + " '" + p + "' is not a safe path: " + r.rejection());
        }
        if (!r.path().equals(p)) {
            throw new IllegalArgumentException(what + " '" + p + "' is not in normal form; use '" + r.path() + "'");
        }
    }
}
