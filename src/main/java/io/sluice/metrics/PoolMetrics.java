package io.sluice.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.sluice.config.RetryPolicy;

/**
 * Per pool: redirects rewritten to the public URL, redirect leaks (still naming an internal
 * origin), failed attempts and retries by cause, and requests refused at the pool's limits.
 */
public final class PoolMetrics {
    private static final RetryPolicy.Cause[] CAUSES = RetryPolicy.Cause.values();

    /** The pool limits whose overflow answers 503 at once. */
    public enum Limit {
        MAX_CONNECTIONS, MAX_PENDING;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    final String pool;
    final Counter redirectsRewritten;
    final Counter redirectLeaks;
    /** By RetryPolicy.Cause ordinal. */
    final Counter[] retries = new Counter[CAUSES.length];
    final Counter[] failures = new Counter[CAUSES.length];
    /** By Limit ordinal. */
    final Counter[] overflows = new Counter[Limit.values().length];

    PoolMetrics(MetricRegistry registry, String pool) {
        this.pool = pool;
        this.redirectsRewritten = registry.counter(MetricRegistry.name("sluice", "pool", pool, "redirects-rewritten"));
        this.redirectLeaks = registry.counter(MetricRegistry.name("sluice", "pool", pool, "redirect-leaks"));
        for (RetryPolicy.Cause cause : CAUSES) {
            retries[cause.ordinal()] = registry.counter(MetricRegistry.name("sluice", "pool", pool, "retries", cause.configName()));
            failures[cause.ordinal()] = registry.counter(MetricRegistry.name("sluice", "pool", pool, "attempt-failures", cause.configName()));
        }
        for (Limit limit : Limit.values()) {
            overflows[limit.ordinal()] = registry.counter(MetricRegistry.name("sluice", "pool", pool, "overflows", limit.configName()));
        }
    }

    public void redirectRewritten() {
        redirectsRewritten.inc();
    }

    /** An attempt ended without a response head. */
    public void attemptFailed(RetryPolicy.Cause cause) {
        failures[cause.ordinal()].inc();
    }

    /** Another attempt for a request whose previous attempt failed for this cause. */
    public void retried(RetryPolicy.Cause cause) {
        retries[cause.ordinal()].inc();
    }

    /** A request answered 503 at once because the pool was at this limit. */
    public void overflowed(Limit limit) {
        overflows[limit.ordinal()].inc();
    }

    public long retries(RetryPolicy.Cause cause) {
        return retries[cause.ordinal()].getCount();
    }

    public long attemptFailures(RetryPolicy.Cause cause) {
        return failures[cause.ordinal()].getCount();
    }

    public long overflows(Limit limit) {
        return overflows[limit.ordinal()].getCount();
    }

    public void redirectLeaked() {
        redirectLeaks.inc();
    }

    public String pool() {
        return pool;
    }

    public Counter redirectsRewritten() {
        return redirectsRewritten;
    }

    public Counter redirectLeaks() {
        return redirectLeaks;
    }
}
