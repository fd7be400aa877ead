package io.sluice.config;

import java.time.Duration;
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

    /** Why an attempt ended without its response being relayed. */
    public enum Cause {
        /** No connection within connect-timeout, refused or reset while connecting, or the member's queue gave up: nothing was sent. */
        CONNECT_FAILURE("connect-failure"),
        /** The request was sent and the member closed or reset the connection without a response head. */
        EMPTY_RESPONSE("empty-response"),
        /** The request was sent and the member was silent for response-timeout. */
        RESPONSE_TIMEOUT("response-timeout"),
        /** The member answered with this status (opt-in: its answer is dropped unread). */
        STATUS_502("502"),
        STATUS_503("503"),
        STATUS_504("504");

        private final String configName;

        Cause(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        /** The cause of a member's own status, or null for a status that is never retried. */
        public static Cause ofStatus(int status) {
            return switch (status) {
                case 502 -> STATUS_502;
                case 503 -> STATUS_503;
                case 504 -> STATUS_504;
                default -> null;
            };
        }

        /** The cause of this config name, or null. */
        public static Cause of(String configName) {
            for (Cause cause : values()) {
                if (cause.configName.equals(configName)) {
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

    /** Whether a member's own 502, 503 or 504 may be retried. */
    public boolean retriesOnStatus() {
        return on.contains(Cause.STATUS_502) || on.contains(Cause.STATUS_503) || on.contains(Cause.STATUS_504);
    }

    /** This policy with a route's overrides: null and -1 keep the pool's value. */
    public RetryPolicy overriddenBy(int routeRetries, Set<Cause> routeOn) {
        if (routeRetries < 0 && routeOn == null) {
            return this;
        }
        return new RetryPolicy(routeRetries < 0 ? retries : routeRetries, routeOn == null ? on : routeOn, deadline);
    }
}
