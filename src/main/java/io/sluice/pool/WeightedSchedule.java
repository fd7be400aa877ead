package io.sluice.pool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin without locks. The sequence NGINX's smooth weighted
 * algorithm would produce for one full cycle (sum of weights long) is computed once; at
 * request time a single atomic counter walks it. Weights 5,1,1 give a,a,b,a,c,a,a rather
 * than a,a,a,a,a,b,c. The counter is a long reduced with floorMod, so it never goes
 * negative (Undertow's own selector fails after 2^31 requests).
 */
final class WeightedSchedule {
    private final int[] sequence;
    private final AtomicLong position = new AtomicLong();

    WeightedSchedule(int[] weights) {
        int total = 0;
        for (int weight : weights) {
            total += weight;
        }
        sequence = new int[total];
        int[] current = new int[weights.length];
        for (int step = 0; step < total; step++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            sequence[step] = best;
        }
    }

    /** Start of this request's walk through the sequence. */
    long next() {
        return position.getAndIncrement();
    }

    /** Where the next walk would start, without taking it (for explain). */
    long peek() {
        return position.get();
    }

    int length() {
        return sequence.length;
    }

    /** The member index at a position of the walk. */
    int at(long walkPosition) {
        return sequence[(int) Math.floorMod(walkPosition, (long) sequence.length)];
    }
}
