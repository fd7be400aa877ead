package io.sluice.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;

/** Per pool: redirects rewritten to the public URL, and redirect leaks (still naming an internal origin). */
public final class PoolMetrics {
    final String pool;
    final Counter redirectsRewritten;
    final Counter redirectLeaks;
    final Counter retries;

    PoolMetrics(MetricRegistry registry, String pool) {
        this.pool = pool;
        this.redirectsRewritten = registry.counter(MetricRegistry.name("sluice", "pool", pool, "redirects-rewritten"));
        this.redirectLeaks = registry.counter(MetricRegistry.name("sluice", "pool", pool, "redirect-leaks"));
        this.retries = registry.counter(MetricRegistry.name("sluice", "pool", pool, "retries"));
    }

    public void redirectRewritten() {
        redirectsRewritten.inc();
    }

    /** Another attempt for a request whose previous member failed or was busy. */
    public void retried() {
        retries.inc();
    }

    public void redirectLeaked() {
        redirectLeaks.inc();
    }
}
