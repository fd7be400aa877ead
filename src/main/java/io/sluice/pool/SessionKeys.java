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

    /** The key of text[start, end); never 0 (0 marks an empty slot). No allocation: the state is four locals. */
    public long key(String text, int start, int end) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int chars = end - start;
        int whole = start + (chars & ~3);
        int next = start;
        // One SipRound below, driven as the algorithm runs it: for each 8-byte message word m
        // (four chars, then the last word with the length byte) v3 ^= m, two rounds, v0 ^= m;
        // then v2 ^= 0xff and four rounds.
        long word = 0;
        int rounds = 0;
        int stage = 0; // 0: message words, 1: the last word, 2: finalization
        while (true) {
            if (rounds == 0) {
                if (stage < 2) {
                    v0 ^= word; // ends the previous word (word is 0 before the first)
                }
                if (stage == 0 && next < whole) {
                    word = text.charAt(next) | (long) text.charAt(next + 1) << 16 | (long) text.charAt(next + 2) << 32
                            | (long) text.charAt(next + 3) << 48;
                    next += 4;
                    rounds = 2;
                } else if (stage == 0) {
                    word = (long) (2 * chars & 0xFF) << 56;
                    for (int shift = 0; next < end; next++, shift += 16) {
                        word |= (long) text.charAt(next) << shift;
                    }
                    rounds = 2;
                    stage = 1;
                } else if (stage == 1) {
                    v2 ^= 0xff;
                    rounds = 4;
                    stage = 2;
                    continue;
                } else {
                    break;
                }
                v3 ^= word;
            }
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13) ^ v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16) ^ v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21) ^ v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17) ^ v2;
            v2 = Long.rotateLeft(v2, 32);
            rounds--;
        }
        long hash = v0 ^ v1 ^ v2 ^ v3;
        return hash == 0 ? 1 : hash;
    }
}
