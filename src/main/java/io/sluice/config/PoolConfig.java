package io.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** A named set of members with their stickiness, timeouts, connection pool and backend TLS. */
public record PoolConfig(
        String name,
        List<MemberConfig> members,
        StickyConfig sticky,
        List<URI> internalOrigins,
        boolean dropInternalCookieDomain,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration websocketIdleTimeout,
        int connectionsPerThread,
        int cachedConnectionsPerThread,
        Duration idleConnectionTtl,
        int requestQueue,
        Duration queueTimeout,
        int retries,
        Duration problemRetry,
        BackendTlsConfig tls) {

    public PoolConfig {
        members = List.copyOf(members);
        internalOrigins = List.copyOf(internalOrigins);
    }

    public boolean hasHttpsMembers() {
        return members.stream().anyMatch(member -> "https".equals(member.url().getScheme()));
    }
}
