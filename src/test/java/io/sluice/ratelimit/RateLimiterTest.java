package io.sluice.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.config.RateLimitConfig;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Token-bucket decisions at rates slow enough (per minute) that no test depends on how fast it runs. */
class RateLimiterTest {
    private static final double ONE_PER_MINUTE = 1.0 / 60;

    @Test
    void aClientGetsItsBurstThenWaitsOneInterval() {
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(ONE_PER_MINUTE, 0, 2, 1024));
        assertEquals(0, limiter.admit(7));
        assertEquals(0, limiter.admit(7));
        assertEquals(0, limiter.admit(7));
        long wait = limiter.admit(7);
        assertTrue(wait > 55 && wait <= 60, "Retry-After " + wait);
        assertEquals(0, limiter.admit(8), "another client has its own bucket");
    }

    @Test
    void aTotalLimitIsSharedByEveryClient() {
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(0, ONE_PER_MINUTE, 1, 1024));
        assertEquals(0, limiter.admit(1));
        assertEquals(0, limiter.admit(2));
        assertTrue(limiter.admit(3) > 0);
        assertEquals(0, limiter.capacity(), "no per-client table without a per-client rate");
    }

    @Test
    void aRefusedRequestDoesNotUseUpTheBucket() {
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(ONE_PER_MINUTE, 0, 0, 1024));
        assertEquals(0, limiter.admit(5));
        long first = limiter.admit(5);
        for (int i = 0; i < 100; i++) {
            assertTrue(limiter.admit(5) <= first, "refusals do not push the client's wait further out");
        }
    }

    @Test
    void aFloodOfNewAddressesKeepsMemoryBoundedAndAdmitsNewClients() {
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(ONE_PER_MINUTE, 0, 0, 1024));
        int capacity = limiter.capacity();
        assertEquals(1024, capacity, "a power of two of at least clients slots, 8 bytes each");
        int refused = 0;
        for (long key = 1_000_000; key < 1_200_000; key++) {
            refused += limiter.admit(key) > 0 ? 1 : 0;
        }
        assertEquals(capacity, limiter.capacity());
        assertTrue(refused < 200, "distinct clients are not refused for each other's use (shared fingerprints aside): " + refused);
        assertEquals(0, limiter.admit(42));
    }

    @Test
    void concurrentRequestsOfOneClientAreAdmittedExactlyUpToTheBurst() throws Exception {
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(ONE_PER_MINUTE, 0, 99, 1024));
        AtomicInteger admitted = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    if (limiter.admit(9) == 0) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(100, admitted.get(), "burst 99 plus the one the rate allows now, never more under contention");
    }

    @Test
    void addressLiteralsOnlyNeverANameLookup() throws Exception {
        assertEquals(InetAddress.getByName("10.1.2.3"), ClientAddress.literal("10.1.2.3"));
        assertEquals(InetAddress.getByName("10.1.2.3"), ClientAddress.literal("10.1.2.3:5555"));
        assertEquals(InetAddress.getByName("2001:db8::1"), ClientAddress.literal("[2001:db8::1]:443"));
        assertEquals(InetAddress.getByName("2001:db8::1"), ClientAddress.literal("2001:db8::1"));
        assertNull(ClientAddress.literal("localhost"));
        assertNull(ClientAddress.literal("unknown"));
        assertNull(ClientAddress.literal("evil.example"));
    }
}
