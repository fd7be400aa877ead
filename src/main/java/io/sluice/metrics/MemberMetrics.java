package io.sluice.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one member has served, kept in the server's registry under the pool's and member's
 * names, so that a reload keeps counting where the last generation stopped. Updated once
 * per request when the exchange completes: LongAdder counters and a lock-free latency
 * reservoir, nothing that blocks.
 */
public final class MemberMetrics {
    final String pool;
    final String member;
    /**
     * Count, rates and latency of the member's requests in one Timer: a Timer keeps its own
     * Meter, so a second Meter for the count would cost a clock read and four more adds per
     * request for nothing (MetricsBenchmark.memberCompleted).
     */
    final Timer requests;
    final Counter[] responsesByClass = new Counter[5];
    final LongAdder latencyNanosSum = new LongAdder();
    final Counter failovers;
    final Counter stickyHits;

    MemberMetrics(MetricRegistry registry, String pool, String member) {
        this.pool = pool;
        this.member = member;
        String prefix = MetricRegistry.name("sluice", "member", pool, member);
        this.requests = registry.timer(prefix + ".requests", () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build()));
        for (int i = 0; i < 5; i++) {
            responsesByClass[i] = registry.counter(prefix + ".responses." + (i + 1) + "xx");
        }
        this.failovers = registry.counter(prefix + ".failovers");
        this.stickyHits = registry.counter(prefix + ".sticky-hits");
    }

    public long requestCount() {
        return requests.getCount();
    }

    public double requestsPerSecond() {
        return requests.getOneMinuteRate();
    }

    public long serverErrors() {
        return responsesByClass[4].getCount();
    }

    /** Latency quantile in milliseconds (0.5, 0.99). */
    public double latencyMillis(double quantile) {
        return requests.getSnapshot().getValue(quantile) / 1e6;
    }

    /** One finished request: its status and how long it took, start to end. */
    public void completed(int status, long nanos, boolean stickyHit, boolean failover) {
        int statusClass = status / 100 - 1;
        if (statusClass >= 0 && statusClass < 5) {
            responsesByClass[statusClass].inc();
        }
        requests.update(nanos, TimeUnit.NANOSECONDS);
        latencyNanosSum.add(nanos);
        if (stickyHit) {
            stickyHits.inc();
        }
        if (failover) {
            failovers.inc();
        }
    }

    public String pool() {
        return pool;
    }

    public String member() {
        return member;
    }

    public Timer requests() {
        return requests;
    }

    public Counter[] responsesByClass() {
        return responsesByClass;
    }

    public LongAdder latencyNanosSum() {
        return latencyNanosSum;
    }

    public Counter failovers() {
        return failovers;
    }

    public Counter stickyHits() {
        return stickyHits;
    }
}
