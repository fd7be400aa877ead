package io.sluice.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * When a failed attempt is tried again on another member: after which failures
 * ({@code retry-on}), how many times ({@code retries}) and until when ({@code retry-deadline},
 * counted from the request's arrival). What can be replayed at all is not a setting: a
 * request is resent only when nothing of it reached a member, or when it is idempotent and
 * has no body (see the pool's retry decision).
 */
public record RetryPolicy(int retries, Set<Cause> on, Duration deadline) {
    /** The most retries a pool or route may set. */
    public static final int MAX_RETRIES = 10;

    /** A failure that ended an attempt before any response head arrived. */
    public enum Cause {
        /** No connection within connect-timeout, refused or reset while connecting, or the member's queue gave up: nothing was sent. */
        CONNECT_FAILURE,
        /** The request was sent and the member closed or reset the connection without a response head. */
        EMPTY_RESPONSE,
        /** The request was sent and the member was silent for response-timeout. */
        RESPONSE_TIMEOUT;

        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The cause of this config name, or null. */
        public static Cause of(String configName) {
            for (Cause cause : values()) {
                if (cause.configName().equals(configName)) {
                    return cause;
                }
            }
            return null;
        }
    }

    public RetryPolicy {
        on = Set.copyOf(on);
    }

    public boolean retriesOn(Cause cause) {
        return on.contains(cause);
    }

    /** This policy with a route's overrides: null and -1 keep the pool's value. */
    public RetryPolicy overriddenBy(int routeRetries, Set<Cause> routeOn) {
        if (routeRetries < 0 && routeOn == null) {
            return this;
        }
        return new RetryPolicy(routeRetries < 0 ? retries : routeRetries, routeOn == null ? on : routeOn, deadline);
    }
}
