package io.sluice.pool;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Session id -> member, learned from the backends' Set-Cookie (NGINX's sticky learn,
 * HAProxy's stick store-response), for nodes that put no jvmRoute in their session ids.
 *
 * <p>Bounded by construction: a fixed table allocated at start (16 bytes a slot, twice
 * max-entries slots for headroom), keyed by the session id's {@link SessionKeys} value. Each session
 * has two candidate 8-way buckets (two-choice hashing): a new one takes an empty or
 * expired slot of either, else the least recently seen of the sixteen, so live sessions
 * are not evicted while the table has room, and expired ones are dropped by being
 * overwritten, never by a sweep. Lock-free: a slot is a key word and a
 * value word; the value repeats 16 bits of the key, so a reader racing a writer sees a
 * mismatch and misses rather than a wrong member.
 */
final class LearnedSessions {
    private static final int WAYS = 8;

    private final AtomicLongArray keys;
    private final AtomicLongArray values;
    private final int bucketMask;
    private final long timeoutSeconds;
    private final long epoch = System.nanoTime();
    private final SessionKeys sessionKeys;
    /** Told of every session learned here (not of those received from elsewhere); replaced when a pool is rebuilt. */
    private volatile Learned onLearned = (key, memberIndex) -> { };

    /** Hears of sessions this table learns, and of live ones seen again after a quarter of the timeout. */
    interface Learned {
        void learned(long key, int memberIndex);
    }

    LearnedSessions(int maxEntries, long timeoutSeconds, SessionKeys sessionKeys) {
        this.sessionKeys = sessionKeys;
        int slots = Integer.highestOneBit(Math.max(2 * WAYS, 2 * maxEntries) * 2 - 1); // >= 2 x max-entries
        int buckets = slots / WAYS;
        this.keys = new AtomicLongArray(buckets * WAYS);
        this.values = new AtomicLongArray(buckets * WAYS);
        this.bucketMask = buckets - 1;
        this.timeoutSeconds = timeoutSeconds;
    }

    void onLearned(Learned listener) {
        this.onLearned = listener;
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
        long key = sessionKeys.key(text, start, end);
        long now = now();
        int found = findIn(firstBucket(key), key, now);
        return found != -2 ? found : Math.max(-1, findIn(secondBucket(key), key, now));
    }

    /** -2 when the key is not in this bucket; -1 when it is there but expired or half-written. */
    private int findIn(int base, long key, long now) {
        for (int way = 0; way < WAYS; way++) {
            int slot = base + way;
            if (keys.get(slot) == key) {
                long value = values.get(slot);
                if (fingerprint(value) == fingerprint(key) && now - seen(value) <= timeoutSeconds) {
                    if (seen(value) != now) {
                        values.lazySet(slot, pack(key, member(value), now));
                        if (4 * (now - seen(value)) > timeoutSeconds) {
                            onLearned.learned(key, member(value)); // still alive: others keep it too
                        }
                    }
                    return member(value);
                }
                return -1;
            }
        }
        return -2;
    }

    /** Remembers (or moves) a session: the member that issued or now serves it. */
    void learn(String text, int start, int end, int memberIndex) {
        long key = sessionKeys.key(text, start, end);
        put(key, memberIndex, 0);
        onLearned.learned(key, memberIndex);
    }

    /** Remembers a session by its key, last seen idleSeconds ago: learned here, or by another instance of the cluster. */
    void put(long key, int memberIndex, long idleSeconds) {
        long now = Math.max(0, now() - idleSeconds);
        int first = firstBucket(key);
        int second = secondBucket(key);
        if (update(first, key, memberIndex, now) || update(second, key, memberIndex, now)) {
            return;
        }
        // the power of two choices: the bucket with more room takes it
        int freeFirst = free(first, now);
        int freeSecond = free(second, now);
        int target = freeFirst >= freeSecond ? freeSlot(first, now) : freeSlot(second, now);
        if (target < 0) {
            target = oldest(first, second); // both full of live sessions: the least recently seen goes
        }
        keys.set(target, key);
        values.set(target, pack(key, memberIndex, now));
    }

    private boolean update(int base, long key, int memberIndex, long now) {
        for (int way = 0; way < WAYS; way++) {
            if (keys.get(base + way) == key) {
                long value = pack(key, memberIndex, now);
                if (values.get(base + way) != value) { // a session seen again within the second costs no write
                    values.set(base + way, value);
                }
                return true;
            }
        }
        return false;
    }

    private boolean isFree(int slot, long now) {
        return keys.get(slot) == 0 || now - seen(values.get(slot)) > timeoutSeconds;
    }

    private int free(int base, long now) {
        int free = 0;
        for (int way = 0; way < WAYS; way++) {
            free += isFree(base + way, now) ? 1 : 0;
        }
        return free;
    }

    private int freeSlot(int base, long now) {
        for (int way = 0; way < WAYS; way++) {
            if (isFree(base + way, now)) {
                return base + way;
            }
        }
        return -1;
    }

    private int oldest(int first, int second) {
        int inFirst = oldestIn(first);
        int inSecond = oldestIn(second);
        return seen(values.get(inSecond)) < seen(values.get(inFirst)) ? inSecond : inFirst;
    }

    private int oldestIn(int base) {
        int target = base;
        long oldest = Long.MAX_VALUE;
        for (int way = 0; way < WAYS; way++) {
            long seen = seen(values.get(base + way));
            if (seen < oldest) {
                oldest = seen;
                target = base + way;
            }
        }
        return target;
    }

    /** Live sessions learned for one member (a scan: for the admin, not requests). */
    int size(int memberIndex) {
        long now = now();
        int live = 0;
        for (int slot = 0; slot < keys.length(); slot++) {
            long value = values.get(slot);
            if (keys.get(slot) != 0 && member(value) == memberIndex && now - seen(value) <= timeoutSeconds) {
                live++;
            }
        }
        return live;
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

    private int firstBucket(long key) {
        return ((int) key & bucketMask) * WAYS;
    }

    private int secondBucket(long key) {
        int second = (int) (key >>> 32) & bucketMask;
        return (second == ((int) key & bucketMask) ? second ^ 1 : second) * WAYS;
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

    /** Every live session: its key, member index and seconds since it was last seen (a scan: for a joining instance). */
    void forEachLive(LiveSession action) {
        long now = now();
        for (int slot = 0; slot < keys.length(); slot++) {
            long key = keys.get(slot);
            long value = values.get(slot);
            if (key != 0 && fingerprint(value) == fingerprint(key) && now - seen(value) <= timeoutSeconds) {
                action.accept(key, member(value), now - seen(value));
            }
        }
    }

    interface LiveSession {
        void accept(long key, int memberIndex, long idleSeconds);
    }
}
