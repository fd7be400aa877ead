package io.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** A named set of members with their stickiness, timeouts, connection pool and backend TLS. */
public record PoolConfig(
        String name,
        /** The product profile its defaults came from, or "". */
        String profile,
        List<MemberConfig> members,
        BalanceMethod method,
        StickyConfig sticky,
        HealthConfig health,
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
        int maxConnections,
        int maxPending,
        RetryPolicy retry,
        Duration problemRetry,
        int ejectAfterFailures,
        boolean ejectOn5xx,
        Duration maxEjectionTime,
        Duration slowStart,
        Duration retryAfter,
        String unavailablePage,
        BackendTlsConfig tls) {

    /** How new sessions are spread over the members. */
    public enum BalanceMethod { ROUND_ROBIN, LEAST_BUSY }

    public PoolConfig {
        members = List.copyOf(members);
        internalOrigins = List.copyOf(internalOrigins);
    }

    /** The same pool with another member list (members added or removed at run time). */
    public PoolConfig withMembers(List<MemberConfig> newMembers) {
        return new PoolConfig(name, profile, newMembers, method, sticky, health, internalOrigins, dropInternalCookieDomain, connectTimeout,
                responseTimeout, websocketIdleTimeout, connectionsPerThread, cachedConnectionsPerThread, idleConnectionTtl, requestQueue,
                queueTimeout, maxConnections, maxPending, retry, problemRetry, ejectAfterFailures, ejectOn5xx, maxEjectionTime, slowStart,
                retryAfter, unavailablePage, tls);
    }

    public boolean hasHttpsMembers() {
        return members.stream().anyMatch(member -> "https".equals(member.url().getScheme()));
    }
}
