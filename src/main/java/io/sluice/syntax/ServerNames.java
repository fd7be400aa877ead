package io.sluice.syntax;

import java.util.List;
import java.util.Locale;

/**
 * The host names a listener serves ({@code server-names}): exact names, and {@code *.domain}
 * wildcards matching any name that ends in {@code .domain} (as NGINX's server_name, any
 * depth; not {@code domain} itself). Matching ignores case, the port and one trailing dot.
 * An empty list matches every host. Allocation-free.
 */
public final class ServerNames {
    private final String[] exact;
    /** The wildcards without their "*": ".example.com". */
    private final String[] suffixes;

    public ServerNames(List<String> names) {
        this.exact = names.stream().filter(name -> !name.startsWith("*.")).map(ServerNames::normalise).toArray(String[]::new);
        this.suffixes = names.stream().filter(name -> name.startsWith("*.")).map(name -> normalise(name.substring(1))).toArray(String[]::new);
    }

    public boolean isEmpty() {
        return exact.length == 0 && suffixes.length == 0;
    }

    /** Lower case, without a trailing dot. */
    public static String normalise(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /**
     * What is wrong with a configured name, or null: a host name or IP address without port,
     * or {@code *.} followed by a host name.
     */
    public static String problem(String name) {
        String host = name.startsWith("*.") ? name.substring(2) : name;
        if (host.isEmpty() || host.contains("*")) {
            return "a wildcard is written *.example.com";
        }
        if (Authority.hostEnd(host) != host.length() || host.contains("%")) {
            return "not a host name or IP address (no scheme, port or path)";
        }
        return null;
    }

    /** Whether the authority (Host or :authority, port allowed) names one of these hosts. */
    public boolean matches(String authority) {
        if (isEmpty()) {
            return true;
        }
        if (authority == null) {
            return false;
        }
        int end = Authority.hostEnd(authority);
        if (end <= 0) {
            return false;
        }
        if (authority.charAt(end - 1) == '.' && end > 1) {
            end--;
        }
        for (String name : exact) {
            if (name.length() == end && authority.regionMatches(true, 0, name, 0, end)) {
                return true;
            }
        }
        for (String suffix : suffixes) {
            int at = end - suffix.length();
            if (at > 0 && authority.regionMatches(true, at, suffix, 0, suffix.length())) {
                return true;
            }
        }
        return false;
    }
}
