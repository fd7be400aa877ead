package io.sluice.config;

import io.sluice.clientcert.ClientCertificateHeader;
import java.util.Set;

/**
 * A path prefix (and optional host) sent to a pool, with an optional prefix rewrite;
 * or answered with a fixed status when {@code status} is non-zero. {@code retry} is the
 * pool's retry policy with the route's overrides applied (null on a fixed-status route);
 * {@code rateLimit} the route's own request-rate limit, besides the Sluice-wide one;
 * {@code clientCertificateHeader} where the client's verified certificate goes toward the pool (the
 * route's own setting, else its pool's), null for nowhere.
 */
public record RouteConfig(String name, String prefix, String host, String pool, String rewrite, int status, Set<String> denyMethods,
                          RetryPolicy retry, RateLimitConfig rateLimit, ClientCertificateHeader clientCertificateHeader) {

    public RouteConfig {
        denyMethods = Set.copyOf(denyMethods);
    }

    public boolean isFixedStatus() {
        return status != 0;
    }

    /** The path the backend sees for the matched prefix. */
    public String backendPrefix() {
        return rewrite == null ? prefix : rewrite;
    }
}
