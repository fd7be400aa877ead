package io.sluice.pool;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The learned-session key of a Tomcat session id inside a Cookie header: SipHash-2-4
 * ({@link SessionKeys}, what the tables use, keyed so that clients cannot crowd a bucket and
 * cluster instances agree without exchanging ids) beside the unkeyed FNV-1a with a murmur
 * finaliser the tables used before, for what the keying costs per lookup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SessionKeysBenchmark {
    private final String cookie = "JSESSIONID=8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7.node2; SLUICEID=abc";
    private final SessionKeys keys = SessionKeys.of(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    @Benchmark
    public long sipHash() {
        return keys.key(cookie, 11, 49);
    }

    @Benchmark
    public long unkeyedFnv() {
        long hash = 0xcbf29ce484222325L;
        for (int i = 11; i < 49; i++) {
            hash ^= cookie.charAt(i);
            hash *= 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        return hash;
    }
}
