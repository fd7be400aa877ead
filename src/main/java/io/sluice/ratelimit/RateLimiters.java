package io.sluice.ratelimit;

import io.sluice.config.RateLimitConfig;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process's rate limiters by scope ({@code "sluice"} for the Sluice-wide limit, else the
 * route's name). They outlive configuration generations: a reload or a run-time member change
 * that leaves a scope's settings as they were keeps its limiter, so no client gets a fresh burst
 * because the configuration was reloaded; changed settings start a new one.
 */
public final class RateLimiters {
    private final Map<String, RateLimiter> byScope = new ConcurrentHashMap<>();

    /** The scope's limiter for these settings: the running one when its settings are the same. */
    public RateLimiter limiter(String scope, RateLimitConfig config) {
        return byScope.compute(scope, (key, running) -> running != null && running.config().equals(config) ? running
                : new RateLimiter(config));
    }

    /** Forgets the limiters of scopes the configuration in force no longer has. */
    public void retainOnly(Collection<String> scopes) {
        byScope.keySet().retainAll(scopes);
    }
}
