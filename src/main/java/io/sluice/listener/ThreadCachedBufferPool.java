package io.sluice.listener;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Undertow's buffer pool contract without a lock: each thread keeps the buffers it released
 * last in a {@link ThreadLocal} stack, and a bounded lock-free queue takes the overflow for
 * other threads.
 *
 * <p>Why not Undertow's {@code DefaultByteBufferPool}: since 2.3 it finds a thread's cache in
 * a {@code Collections.synchronizedMap(new WeakHashMap<>())}, so every allocation and release
 * takes one monitor that all IO threads share: 1.7 % of the proxy's CPU in bench/run.sh's
 * http-1k and 5.2 % in h2-1k on a single IO thread (profiles in bench/results), and
 * contention once there are several.
 */
public final class ThreadCachedBufferPool implements ByteBufferPool {
    private final boolean direct;
    private final int bufferSize;
    private final int threadCacheSize;
    private final int sharedCapacity;
    private final ConcurrentLinkedQueue<ByteBuffer> shared = new ConcurrentLinkedQueue<>();
    /** Buffers in {@link #shared}: ConcurrentLinkedQueue.size() walks the queue. */
    private final AtomicInteger sharedCount = new AtomicInteger();
    private final ThreadLocal<ArrayDeque<ByteBuffer>> threadCache;
    /** For callers that need arrays (Undertow asks a direct pool for its heap twin). */
    private final ByteBufferPool arrayBacked;
    private volatile boolean closed;

    /**
     * @param direct          direct (off-heap) or heap buffers
     * @param bufferSize      bytes per buffer
     * @param threadCacheSize buffers each thread keeps for itself
     * @param sharedCapacity  buffers kept for any thread beyond that; more released buffers are left to the GC
     */
    public ThreadCachedBufferPool(boolean direct, int bufferSize, int threadCacheSize, int sharedCapacity) {
        if (bufferSize <= 0 || threadCacheSize < 0 || sharedCapacity < 0) {
            throw new IllegalArgumentException("buffer size " + bufferSize + ", thread cache " + threadCacheSize
                    + ", shared capacity " + sharedCapacity);
        }
        this.direct = direct;
        this.bufferSize = bufferSize;
        this.threadCacheSize = threadCacheSize;
        this.sharedCapacity = sharedCapacity;
        this.threadCache = ThreadLocal.withInitial(() -> new ArrayDeque<>(threadCacheSize));
        this.arrayBacked = direct ? new ThreadCachedBufferPool(false, bufferSize, threadCacheSize, sharedCapacity) : this;
    }

    @Override
    public PooledByteBuffer allocate() {
        if (closed) {
            throw new IllegalStateException("the buffer pool is closed");
        }
        ByteBuffer buffer = threadCache.get().pollLast();
        if (buffer == null) {
            buffer = shared.poll();
            if (buffer != null) {
                sharedCount.decrementAndGet();
            } else {
                buffer = direct ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
            }
        }
        buffer.clear();
        return new Pooled(this, buffer);
    }

    private void release(ByteBuffer buffer) {
        if (closed) {
            return; // left to the GC (a direct buffer's memory goes with it)
        }
        ArrayDeque<ByteBuffer> mine = threadCache.get();
        if (mine.size() < threadCacheSize) {
            mine.addLast(buffer);
        } else if (sharedCount.incrementAndGet() <= sharedCapacity) {
            shared.offer(buffer);
        } else {
            sharedCount.decrementAndGet();
        }
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        return arrayBacked;
    }

    /** Stops handing out buffers and drops the shared ones; buffers still out are dropped when released. */
    @Override
    public void close() {
        closed = true;
        shared.clear();
        if (arrayBacked != this) {
            arrayBacked.close();
        }
    }

    @Override
    public int getBufferSize() {
        return bufferSize;
    }

    @Override
    public boolean isDirect() {
        return direct;
    }

    /** One buffer on loan; closing it twice, or from two threads, returns it once. */
    private static final class Pooled implements PooledByteBuffer {
        private static final VarHandle BUFFER;

        static {
            try {
                BUFFER = MethodHandles.lookup().findVarHandle(Pooled.class, "buffer", ByteBuffer.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final ThreadCachedBufferPool pool;
        @SuppressWarnings("unused") // through BUFFER
        private volatile ByteBuffer buffer;

        Pooled(ThreadCachedBufferPool pool, ByteBuffer buffer) {
            this.pool = pool;
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer getBuffer() {
            ByteBuffer current = buffer;
            if (current == null) {
                throw new IllegalStateException("the buffer was returned to its pool");
            }
            return current;
        }

        @Override
        public void close() {
            ByteBuffer returned = (ByteBuffer) BUFFER.getAndSet(this, (ByteBuffer) null);
            if (returned != null) {
                pool.release(returned);
            }
        }

        @Override
        public boolean isOpen() {
            return buffer != null;
        }

        @Override
        public String toString() {
            return "pooled " + buffer;
        }
    }
}
