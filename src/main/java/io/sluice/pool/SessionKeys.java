package io.sluice.pool;

import java.security.SecureRandom;

/**
 * The keys of the learned-session tables: SipHash-2-4 (Aumasson and Bernstein's keyed hash) of a
 * session id, read as UTF-16LE. Keyed, so a client cannot choose ids that pile into one bucket of
 * the table; with the cluster's key, every instance computes the same key for the same session,
 * so instances exchange these 64-bit values and never the session id itself.
 */
public final class SessionKeys {
    private final long k0;
    private final long k1;

    private SessionKeys(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** A key of this process alone (no cluster). */
    public static SessionKeys random() {
        SecureRandom random = new SecureRandom();
        return new SessionKeys(random.nextLong(), random.nextLong());
    }

    /** The key every instance of a cluster derives from its shared secret. */
    public static SessionKeys of(long k0, long k1) {
        return new SessionKeys(k0, k1);
    }

    /** The key of text[start, end); never 0 (0 marks an empty slot). */
    public long key(String text, int start, int end) {
        // the state stays in registers: the array does not escape, so the JIT replaces it by four longs
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L};
        int chars = end - start;
        int whole = start + (chars & ~3);
        for (int i = start; i < whole; i += 4) {
            compress(v, text.charAt(i) | (long) text.charAt(i + 1) << 16 | (long) text.charAt(i + 2) << 32
                    | (long) text.charAt(i + 3) << 48, 2);
        }
        long last = (long) (2 * chars & 0xFF) << 56;
        for (int i = whole, shift = 0; i < end; i++, shift += 16) {
            last |= (long) text.charAt(i) << shift;
        }
        compress(v, last, 2);
        v[2] ^= 0xff;
        rounds(v, 4);
        long hash = v[0] ^ v[1] ^ v[2] ^ v[3];
        return hash == 0 ? 1 : hash;
    }

    private static void compress(long[] v, long message, int rounds) {
        v[3] ^= message;
        rounds(v, rounds);
        v[0] ^= message;
    }

    private static void rounds(long[] v, int count) {
        for (int round = 0; round < count; round++) {
            v[0] += v[1];
            v[1] = Long.rotateLeft(v[1], 13) ^ v[0];
            v[0] = Long.rotateLeft(v[0], 32);
            v[2] += v[3];
            v[3] = Long.rotateLeft(v[3], 16) ^ v[2];
            v[0] += v[3];
            v[3] = Long.rotateLeft(v[3], 21) ^ v[0];
            v[2] += v[1];
            v[1] = Long.rotateLeft(v[1], 17) ^ v[2];
            v[2] = Long.rotateLeft(v[2], 32);
        }
    }
}
