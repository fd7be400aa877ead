package io.sluice.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearnedSessionsTest {

    @Test
    void staysWithinItsBoundUnderAMillionDistinctSessions() {
        LearnedSessions table = new LearnedSessions(100_000, 1800, SessionKeys.random());
        Runtime runtime = Runtime.getRuntime();
        long capacity = table.capacity();
        for (int i = 0; i < 1_000_000; i++) {
            String id = "SESSION" + i;
            table.learn(id, 0, id.length(), i % 7);
        }
        int size = table.size();
        System.out.println("LearnedSessionsTest: 1000000 distinct sessions learned; table capacity " + capacity + " slots, holding " + size
                + ", " + table.memoryBytes() / 1024 + " KiB (fixed at start); JVM heap in use "
                + (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024) + " MiB");
        assertEquals(capacity, table.capacity());
        assertTrue(size <= capacity && size >= 100_000, "held " + size);
        assertEquals(16L * capacity, table.memoryBytes());
        // the most recent sessions are there, each on its member
        for (int i = 999_000; i < 1_000_000; i += 97) {
            String id = "SESSION" + i;
            int found = table.find(id, 0, id.length());
            assertTrue(found == -1 || found == i % 7, id + " -> " + found);
        }
        String last = "SESSION999999";
        assertEquals(999_999 % 7, table.find(last, 0, last.length()));
    }

    @Test
    void findsAndMovesASession() {
        LearnedSessions table = new LearnedSessions(1000, 1800, SessionKeys.random());
        String header = "JSESSIONID=ABC123; Path=/";
        table.learn(header, 11, 17, 2);
        assertEquals(2, table.find("ABC123", 0, 6));
        table.learn("ABC123", 0, 6, 1); // failover moved it
        assertEquals(1, table.find("ABC123", 0, 6));
        assertEquals(-1, table.find("ABC124", 0, 6));
    }

    @Test
    void expiredSessionsAreForgotten() throws Exception {
        LearnedSessions table = new LearnedSessions(64, 0, SessionKeys.random());
        table.learn("S", 0, 1, 3);
        Thread.sleep(1100); // the table counts whole seconds
        assertEquals(-1, table.find("S", 0, 1));
        assertEquals(0, table.size());
    }

    @Test
    void everyLiveSessionIsKeptUpToMaxEntries() {
        LearnedSessions table = new LearnedSessions(100_000, 1800, SessionKeys.random());
        for (int i = 0; i < 100_000; i++) {
            String id = "LIVE" + i;
            table.learn(id, 0, id.length(), i % 5);
        }
        int lost = 0;
        for (int i = 0; i < 100_000; i++) {
            String id = "LIVE" + i;
            if (table.find(id, 0, id.length()) != i % 5) {
                lost++;
            }
        }
        assertEquals(0, lost, "live sessions evicted below max-entries");
    }
}
