package io.sluice.ratelimit;

import io.sluice.config.RateLimitConfig;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One rate limit: a bucket per client address (a fixed table, so memory is bounded and
 * allocated once), and/or one bucket for all clients together. Lock-free: each decision is
 * one compare-and-set per bucket, retried only when another thread moved the same bucket.
 *
 * <p>A table slot holds a 20-bit fingerprint of the client's key beside its TAT (see
 * {@link Bucket}) in one long. A client takes the first of four slots that is its own,
 * empty or expired (its TAT passed: that client has its full burst back, so forgetting it
 * changes nothing); when all four are live it takes over the one closest to expiry, so a
 * flood of new addresses evicts the quietest clients instead of growing memory. Two
 * clients may share a slot when their fingerprints collide: they then share a bucket.
 */
public final class RateLimiter {
    private static final int PROBES = 4;
    private static final int TAT_BITS = 44;
    private static final long TAT_MASK = (1L << TAT_BITS) - 1;

    private final RateLimitConfig config;
    private final long epochNanos = System.nanoTime() - 16 * Bucket.NANOS_PER_TICK; // ticks start at 16: 0 means empty
    private final AtomicLongArray slots;
    private final int slotMask;
    private final long clientInterval;
    private final long clientTolerance;
    private final AtomicLong total = new AtomicLong();
    private final long totalInterval;
    private final long totalTolerance;

    public RateLimiter(RateLimitConfig config) {
        this.config = config;
        if (config.perClient() > 0) {
            int size = Integer.highestOneBit(Math.max(PROBES, config.clients()) * 2 - 1);
            this.slots = new AtomicLongArray(size);
            this.slotMask = size - 1;
            this.clientInterval = Bucket.interval(config.perClient());
            this.clientTolerance = clientInterval * config.burst();
        } else {
            this.slots = null;
            this.slotMask = 0;
            this.clientInterval = 0;
            this.clientTolerance = 0;
        }
        this.totalInterval = config.total() > 0 ? Bucket.interval(config.total()) : 0;
        this.totalTolerance = totalInterval * config.burst();
    }

    /** The settings this limiter enforces. */
    public RateLimitConfig config() {
        return config;
    }

    /** Client addresses the table can track (0 without a per-client limit). */
    public int capacity() {
        return slots == null ? 0 : slots.length();
    }

    /**
     * Admits a request of the client with this key (see {@link ClientAddress}), or refuses
     * it: 0 when admitted, else the seconds the client should wait (Retry-After).
     */
    public long admit(long clientKey) {
        long now = (System.nanoTime() - epochNanos) / Bucket.NANOS_PER_TICK;
        if (slots != null) {
            long wait = admitClient(clientKey, now);
            if (wait > 0) {
                return Bucket.retryAfterSeconds(wait);
            }
        }
        if (totalInterval > 0) {
            while (true) {
                long tat = total.get();
                long next = Bucket.admit(tat, now, totalInterval, totalTolerance);
                if (next < 0) {
                    return Bucket.retryAfterSeconds(-next);
                }
                if (total.compareAndSet(tat, next)) {
                    break;
                }
            }
        }
        return 0;
    }

    /** 0 when admitted, else ticks to wait. */
    private long admitClient(long clientKey, long now) {
        long hash = mix(clientKey);
        long fingerprint = hash >>> TAT_BITS; // the top 20 bits
        int home = (int) hash & slotMask;
        while (true) {
            int slot = -1;
            long seen = 0;
            long oldestTat = Long.MAX_VALUE;
            int oldest = home;
            for (int probe = 0; probe < PROBES; probe++) {
                int index = (home + probe) & slotMask;
                long value = slots.get(index);
                long tat = value & TAT_MASK;
                if (value != 0 && value >>> TAT_BITS == fingerprint) {
                    slot = index;
                    seen = value;
                    break;
                }
                if (value == 0 || tat <= now) {
                    if (slot < 0) {
                        slot = index; // free for the taking, unless the client's own slot follows
                        seen = value;
                    }
                } else if (tat < oldestTat) {
                    oldestTat = tat;
                    oldest = index;
                }
            }
            if (slot < 0) {
                slot = oldest;
                seen = slots.get(oldest);
            }
            long tat = seen != 0 && seen >>> TAT_BITS == fingerprint ? seen & TAT_MASK : 0;
            long next = Bucket.admit(tat, now, clientInterval, clientTolerance);
            if (next < 0) {
                return -next;
            }
            if (slots.compareAndSet(slot, seen, fingerprint << TAT_BITS | (next & TAT_MASK))) {
                return 0;
            }
        }
    }

    /** A 64-bit finaliser (SplitMix64): index and fingerprint come from independent bits. */
    private static long mix(long key) {
        long z = key + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
