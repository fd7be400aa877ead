package io.sluice.pool;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Session id -> member, learned from the backends' Set-Cookie (NGINX's sticky learn,
 * HAProxy's stick store-response), for nodes that put no jvmRoute in their session ids.
 *
 * <p>Bounded by construction: a fixed table of 4-way buckets allocated at start (16 bytes
 * a slot), keyed by a 64-bit hash of the session id. A new session takes an empty or
 * expired slot of its bucket, else the least recently seen one, so expired sessions are
 * dropped by being overwritten, never by a sweep. Lock-free: a slot is a key word and a
 * value word; the value repeats 16 bits of the key, so a reader racing a writer sees a
 * mismatch and misses rather than a wrong member.
 */
final class LearnedSessions {
    private static final int WAYS = 4;

    private final AtomicLongArray keys;
    private final AtomicLongArray values;
    private final int bucketMask;
    private final long timeoutSeconds;
    private final long epoch = System.nanoTime();

    LearnedSessions(int maxEntries, long timeoutSeconds) {
        int buckets = Integer.highestOneBit(Math.max(WAYS, maxEntries) / WAYS * 2 - 1);
        this.keys = new AtomicLongArray(buckets * WAYS);
        this.values = new AtomicLongArray(buckets * WAYS);
        this.bucketMask = buckets - 1;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Slots in the table: the most sessions it can hold. */
    int capacity() {
        return keys.length();
    }

    /** Bytes the table holds (two long arrays), whatever the number of sessions. */
    long memoryBytes() {
        return 16L * keys.length();
    }

    /** The member index learned for this session id (text[start, end)), or -1. */
    int find(String text, int start, int end) {
        long key = hash(text, start, end);
        int base = bucket(key);
        long now = now();
        for (int way = 0; way < WAYS; way++) {
            int slot = base + way;
            if (keys.get(slot) == key) {
                long value = values.get(slot);
                if (fingerprint(value) == fingerprint(key) && now - seen(value) <= timeoutSeconds) {
                    if (seen(value) != now) {
                        values.lazySet(slot, pack(key, member(value), now));
                    }
                    return member(value);
                }
                return -1;
            }
        }
        return -1;
    }

    /** Remembers (or moves) a session: the member that issued or now serves it. */
    void learn(String text, int start, int end, int memberIndex) {
        long key = hash(text, start, end);
        int base = bucket(key);
        long now = now();
        int target = -1;
        long oldest = Long.MAX_VALUE;
        for (int way = 0; way < WAYS; way++) {
            int slot = base + way;
            long slotKey = keys.get(slot);
            if (slotKey == key) {
                target = slot;
                break;
            }
            long seen = slotKey == 0 ? -1 : seen(values.get(slot));
            if (slotKey == 0 || now - seen > timeoutSeconds) {
                seen = -1; // free or expired: as good as empty
            }
            if (seen < oldest) {
                oldest = seen;
                target = slot;
            }
        }
        keys.set(target, key);
        values.set(target, pack(key, memberIndex, now));
    }

    /** Sessions seen within the timeout (a scan of the table: for metrics and tests, not requests). */
    int size() {
        long now = now();
        int live = 0;
        for (int slot = 0; slot < keys.length(); slot++) {
            if (keys.get(slot) != 0 && now - seen(values.get(slot)) <= timeoutSeconds) {
                live++;
            }
        }
        return live;
    }

    private int bucket(long key) {
        return ((int) (key ^ (key >>> 32)) & bucketMask) * WAYS;
    }

    private long now() {
        return (System.nanoTime() - epoch) / 1_000_000_000L;
    }

    private static long pack(long key, int memberIndex, long seenSeconds) {
        return (fingerprint(key) << 48) | ((long) (memberIndex & 0xFFFF) << 32) | (seenSeconds & 0xFFFFFFFFL);
    }

    private static long fingerprint(long word) {
        return word >>> 48;
    }

    private static int member(long value) {
        return (int) ((value >>> 32) & 0xFFFF);
    }

    private static long seen(long value) {
        return value & 0xFFFFFFFFL;
    }

    /** FNV-1a over the characters, then a murmur finaliser; never 0 (the empty slot). */
    static long hash(String text, int start, int end) {
        long hash = 0xcbf29ce484222325L;
        for (int i = start; i < end; i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        return hash == 0 ? 1 : hash;
    }
}
