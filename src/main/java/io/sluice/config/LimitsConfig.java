package io.sluice.config;

import java.time.Duration;

/** Client-side limits; maxBodySize -1 means unlimited. */
public record LimitsConfig(long maxHeaderSize, Duration requestParseTimeout, Duration idleTimeout, long maxBodySize) {
}
