package io.sluice.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WeightedScheduleTest {

    private static int[] cycle(WeightedSchedule schedule) {
        int[] out = new int[schedule.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = schedule.at(schedule.next());
        }
        return out;
    }

    @Test
    void smoothOrderLikeNginx() {
        assertArrayEquals(new int[] {0, 0, 1, 0, 2, 0, 0}, cycle(new WeightedSchedule(new int[] {5, 1, 1})));
        assertArrayEquals(new int[] {0, 1}, cycle(new WeightedSchedule(new int[] {1, 1})));
    }

    @Test
    void neverGoesNegativePastTwoToTheThirtyOne() {
        WeightedSchedule schedule = new WeightedSchedule(new int[] {1, 2, 5});
        long near = Integer.MAX_VALUE - 3L;
        for (long position = near; position < near + 16; position++) {
            int member = schedule.at(position);
            assertEquals(true, member >= 0 && member < 3);
        }
        assertEquals(schedule.at(0), schedule.at(8L * 1_000_000_000_000L));
    }
}
