package io.sluice.ratelimit;

/**
 * The generic cell rate algorithm over one "theoretical arrival time" (TAT): a request at
 * time t is admitted when TAT - t does not exceed the burst tolerance, and then moves TAT
 * one interval on. It is a token bucket kept in a single number, so a bucket is updated
 * with one compare-and-set and never needs a timer or a lock. Times are ticks of 1/16 ms
 * counted from the limiter's start, which fit in 44 bits for 34 years.
 */
final class Bucket {
    static final long NANOS_PER_TICK = 62_500;
    static final long TICKS_PER_SECOND = 1_000_000_000L / NANOS_PER_TICK;

    private Bucket() {
    }

    /** The interval between requests at this rate, in ticks (at least 1). */
    static long interval(double perSecond) {
        return Math.max(1, Math.round(TICKS_PER_SECOND / perSecond));
    }

    /**
     * The TAT after admitting a request at {@code now}, or a negative number: minus the
     * ticks to wait before a request would be admitted.
     */
    static long admit(long tat, long now, long interval, long tolerance) {
        long start = Math.max(tat, now);
        long ahead = start - now;
        if (ahead > tolerance) {
            return -(ahead - tolerance);
        }
        return start + interval;
    }

    /** Whole seconds to wait, at least 1: the Retry-After of a refused request. */
    static long retryAfterSeconds(long waitTicks) {
        return Math.max(1, (waitTicks + TICKS_PER_SECOND - 1) / TICKS_PER_SECOND);
    }
}
