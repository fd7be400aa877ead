package io.sluice.config;

import java.net.URI;

/** One backend node: its origin (and context path), jvmRoute, weight and configured state. */
public record MemberConfig(String name, URI url, String route, int weight, MemberState state) {

    /** The member URL's path without a trailing slash ("" for the root). */
    public String contextPath() {
        String path = url.getRawPath();
        if (path == null || path.equals("/")) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** scheme://host:port, the origin a backend names in its own redirects. */
    public URI origin() {
        return URI.create(url.getScheme() + "://" + url.getRawAuthority());
    }
}
