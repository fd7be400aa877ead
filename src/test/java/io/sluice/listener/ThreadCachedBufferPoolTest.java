package io.sluice.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadCachedBufferPoolTest {

    @Test
    void handsOutClearedBuffersOfItsSizeAndKind() {
        ThreadCachedBufferPool direct = new ThreadCachedBufferPool(true, 4096, 2, 4);
        PooledByteBuffer pooled = direct.allocate();
        assertTrue(pooled.getBuffer().isDirect());
        assertEquals(4096, pooled.getBuffer().capacity());
        pooled.getBuffer().put((byte) 1).flip();
        pooled.close();
        PooledByteBuffer again = direct.allocate();
        assertEquals(0, again.getBuffer().position());
        assertEquals(4096, again.getBuffer().limit());
        assertFalse(direct.getArrayBackedPool().isDirect());
        assertTrue(direct.getArrayBackedPool().allocate().getBuffer().hasArray());
        ThreadCachedBufferPool heap = new ThreadCachedBufferPool(false, 100, 2, 4);
        assertSame(heap, heap.getArrayBackedPool());
        assertTrue(heap.allocate().getBuffer().hasArray());
    }

    @Test
    void aReleasedBufferIsTheNextOneThisThreadGets() {
        ThreadCachedBufferPool pool = new ThreadCachedBufferPool(false, 64, 2, 0);
        PooledByteBuffer first = pool.allocate();
        ByteBuffer buffer = first.getBuffer();
        first.close();
        assertSame(buffer, pool.allocate().getBuffer());
    }

    @Test
    void closingTwiceReturnsTheBufferOnce() {
        ThreadCachedBufferPool pool = new ThreadCachedBufferPool(false, 64, 4, 0);
        PooledByteBuffer pooled = pool.allocate();
        ByteBuffer buffer = pooled.getBuffer();
        pooled.close();
        pooled.close();
        assertFalse(pooled.isOpen());
        assertThrows(IllegalStateException.class, pooled::getBuffer);
        PooledByteBuffer a = pool.allocate();
        PooledByteBuffer b = pool.allocate();
        assertSame(buffer, a.getBuffer());
        assertNotSame(buffer, b.getBuffer(), "a buffer closed twice was handed out twice");
    }

    @Test
    void overflowGoesToOtherThreadsUpToTheSharedCapacity() throws Exception {
        ThreadCachedBufferPool pool = new ThreadCachedBufferPool(false, 64, 1, 2);
        List<PooledByteBuffer> loans = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            loans.add(pool.allocate());
        }
        Set<ByteBuffer> released = Collections.newSetFromMap(new IdentityHashMap<>());
        loans.forEach(loan -> released.add(loan.getBuffer()));
        loans.forEach(PooledByteBuffer::close); // 1 stays in this thread's cache, 2 go to the shared queue, 2 are dropped
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            int reused = other.submit(() -> {
                int count = 0;
                for (int i = 0; i < 5; i++) {
                    if (released.contains(pool.allocate().getBuffer())) {
                        count++;
                    }
                }
                return count;
            }).get(10, TimeUnit.SECONDS);
            assertEquals(2, reused, "another thread gets the shared buffers and no more");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void aClosedPoolRefusesToAllocate() {
        ThreadCachedBufferPool pool = new ThreadCachedBufferPool(true, 64, 1, 1);
        PooledByteBuffer loan = pool.allocate();
        pool.close();
        loan.close(); // returned after close: dropped, no error
        assertThrows(IllegalStateException.class, pool::allocate);
        assertThrows(IllegalStateException.class, () -> pool.getArrayBackedPool().allocate());
    }

    @Test
    void noBufferIsOnLoanTwiceAcrossThreads() throws Exception {
        ThreadCachedBufferPool pool = new ThreadCachedBufferPool(true, 128, 4, 16);
        Set<ByteBuffer> onLoan = Collections.newSetFromMap(new IdentityHashMap<>());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(threads.submit(() -> {
                    List<PooledByteBuffer> mine = new ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        if (mine.isEmpty() || (mine.size() < 8 && ThreadLocalRandom.current().nextBoolean())) {
                            PooledByteBuffer loan = pool.allocate();
                            synchronized (onLoan) {
                                assertTrue(onLoan.add(loan.getBuffer()), "handed out while on loan");
                            }
                            mine.add(loan);
                        } else {
                            PooledByteBuffer loan = mine.remove(mine.size() - 1);
                            synchronized (onLoan) {
                                onLoan.remove(loan.getBuffer());
                            }
                            loan.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void refusesNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> new ThreadCachedBufferPool(true, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ThreadCachedBufferPool(true, 16, -1, 1));
    }
}
