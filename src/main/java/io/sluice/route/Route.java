package io.sluice.route;

import io.sluice.clientcert.ClientCertificateForwarder;
import io.sluice.config.RouteConfig;
import io.sluice.path.PrefixRewrite;
import io.sluice.pool.Pool;
import io.undertow.util.HttpString;
import java.util.Set;
import java.util.stream.Collectors;

/** A configured route made ready for the request path. */
final class Route {
    final RouteConfig config;
    final String name;
    final String prefix;
    final String host;
    final PrefixRewrite rewrite;
    final Pool pool;
    final ResponseRewriting responseRewriting;
    final Set<HttpString> deniedMethods;
    final com.codahale.metrics.Counter requests;
    /** The route's own request-rate limit, or null. */
    final io.sluice.ratelimit.RateLimiter rateLimit;
    final com.codahale.metrics.Counter rateLimited;
    /** Sets the client-certificate header toward the pool, or null when the route forwards none. */
    final ClientCertificateForwarder clientCertificate;

    Route(RouteConfig config, Pool pool, ResponseRewriting responseRewriting, com.codahale.metrics.Counter requests,
          io.sluice.ratelimit.RateLimiter rateLimit, com.codahale.metrics.Counter rateLimited) {
        this.requests = requests;
        this.rateLimit = rateLimit;
        this.rateLimited = rateLimited;
        this.config = config;
        this.name = config.name();
        this.prefix = config.prefix();
        this.host = config.host();
        this.rewrite = config.rewrite() == null ? null : new PrefixRewrite(config.prefix(), config.rewrite());
        this.pool = pool;
        this.responseRewriting = responseRewriting;
        this.clientCertificate = config.clientCertificateHeader() == null ? null
                : new ClientCertificateForwarder(config.clientCertificateHeader());
        this.deniedMethods = config.denyMethods().stream().map(HttpString::new).collect(Collectors.toUnmodifiableSet());
    }

    boolean matches(String hostName, String path) {
        return path.startsWith(prefix) && (host == null || sameHost(host, hostName));
    }

    /** Case-insensitive, and "example.com." (the absolute form) is "example.com". */
    static boolean sameHost(String host, String hostName) {
        int length = host.length();
        return host.equalsIgnoreCase(hostName)
                || (hostName.length() == length + 1 && hostName.charAt(length) == '.' && hostName.regionMatches(true, 0, host, 0, length));
    }
}
