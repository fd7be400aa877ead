package io.sluice.config;

import java.time.Duration;

/**
 * Client-side limits; maxBodySize -1 means unlimited. maxConnections bounds the client
 * connections open on all traffic listeners together, maxConnectionsPerClient those from one
 * client address (0 = no per-client cap). maxConcurrentStreams is what each HTTP/2 connection
 * may have open at once (advertised in SETTINGS and enforced); maxTlsHandshakes the TLS
 * connections whose handshake is in progress, on all listeners together.
 */
public record LimitsConfig(long maxHeaderSize, Duration requestParseTimeout, Duration idleTimeout, long maxBodySize,
                           int maxConnections, int maxConnectionsPerClient, Duration tlsHandshakeTimeout,
                           Duration bodyIdleTimeout, Duration writeTimeout, int maxConcurrentStreams, int maxTlsHandshakes) {
}
