package io.sluice.listener;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.WriteReadyHandler;

/**
 * Gathers what an HTTP/2 connection writes during one turn of its IO thread's loop into one
 * system call, at the start of the next turn (before the thread waits for events again), as
 * NGINX posts its HTTP/2 output for the end of the event loop's iteration.
 *
 * <p>Undertow's HTTP/2 channel flushes every response as its stream ends: with ten streams per
 * connection and the backends answering in the same turn, that is one TLS record and one
 * {@code write} per response, and the client answers each with a packet of its own. Here a small
 * write is copied into a buffer and the buffer is written once the turn ends; the layers above
 * see it accepted and flushed, which it is as far as anything they can observe: the bytes leave
 * before the thread next blocks. A write larger than the buffer's room goes out at once with
 * what is buffered ahead of it.
 *
 * <p>When the socket does not take everything (a slow client), the rest stays here and the
 * socket's write interest is on: what is buffered goes first, and the layers above hear that the
 * socket is writable only when it is empty and they asked to. Meanwhile a flush is reported
 * only once the bytes are out (so the layers above keep waiting, their write timeout running),
 * and a write from above that does not fit returns 0, as a full socket would. Shutting the
 * output down (GOAWAY, TLS close_notify) writes what is buffered first and reports a flush only
 * once it is out. A connection closed outright in the same turn as its last writes (XNIO has
 * no hook before the socket closes) loses them: Undertow's abortive closes, such as the TLS
 * alert it tries to send before dropping a connection whose record failed to decrypt.
 *
 * <p>It sits over the TCP connection, under TLS, and stays a pass-through until {@link #coalesce}
 * is called (the listener does so when ALPN has chosen h2): HTTP/1.1 has one response in flight
 * per connection and nothing to gather. Everything runs on the connection's IO thread.
 */
final class CoalescingWrites extends AbstractStreamSinkConduit<StreamSinkConduit> {
    private final XnioIoThread thread;
    /** Where gathered bytes wait: a buffer is taken for a turn and given back once written. */
    private final ByteBufferPool buffers;
    private final Runnable flushTask = this::flushScheduled;
    private boolean coalescing;
    private PooledByteBuffer pooled;
    /** pooled's buffer, in fill mode; null while nothing waits. */
    private ByteBuffer pending;
    private boolean scheduled;
    /** The socket did not take everything: what waits does so for it, not for the end of the turn. */
    private boolean stalled;
    /** What the layers above asked for, whatever the selector has registered. */
    private boolean upperWantsWrites;
    private boolean shutdownRequested;
    private boolean terminated;

    private CoalescingWrites(StreamSinkConduit next, XnioIoThread thread, ByteBufferPool buffers) {
        super(next);
        this.thread = thread;
        this.buffers = buffers;
    }

    /** Puts the conduit directly over the connection's socket, before anything else is stacked on it. */
    static CoalescingWrites install(StreamConnection connection, ByteBufferPool buffers) {
        ConduitStreamSinkChannel channel = connection.getSinkChannel();
        CoalescingWrites conduit = new CoalescingWrites(channel.getConduit(), connection.getIoThread(), buffers);
        channel.setConduit(conduit);
        // the socket calls the handler it was given when the channel was made, past any conduit
        // stacked since: the gate goes in between (TLS replaces the handler through this conduit)
        conduit.setWriteReadyHandler(new WriteReadyHandler.ChannelListenerHandler<>(channel));
        return conduit;
    }

    /** From now on, small writes are gathered until the end of the IO thread's turn. On the IO thread. */
    void coalesce() {
        coalescing = true;
    }

    private boolean hasPending() {
        return pending != null;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!hasPending()) {
            if (!coalescing || src.remaining() >= buffers.getBufferSize()) {
                return next.write(src);
            }
            if (terminated) {
                throw new ClosedChannelException();
            }
            pooled = buffers.allocate();
            pending = pooled.getBuffer();
            pending.clear();
        }
        int length = src.remaining();
        if (length <= pending.remaining()) {
            pending.put(src);
            schedule();
            return length;
        }
        // what is buffered and this write, in one gathering write
        pending.flip();
        ByteBuffer[] both = {pending, src};
        try {
            next.write(both, 0, 2);
        } finally {
            pending.compact();
        }
        int taken = length - src.remaining();
        if (pending.position() == 0) {
            release();
        } else {
            awaitSocket();
        }
        return taken;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer src = srcs[i];
            if (!src.hasRemaining()) {
                continue;
            }
            int written = write(src);
            total += written;
            if (src.hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public int writeFinal(ByteBuffer src) throws IOException {
        return org.xnio.conduits.Conduits.writeFinalBasic(this, src);
    }

    @Override
    public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return org.xnio.conduits.Conduits.writeFinalBasic(this, srcs, offset, length);
    }

    @Override
    public long transferFrom(java.nio.channels.FileChannel src, long position, long count) throws IOException {
        return drained() ? next.transferFrom(src, position, count) : 0;
    }

    @Override
    public long transferFrom(org.xnio.channels.StreamSourceChannel src, long count, ByteBuffer throughBuffer) throws IOException {
        return drained() ? next.transferFrom(src, count, throughBuffer) : 0;
    }

    private void schedule() throws IOException {
        if (scheduled || stalled) {
            return;
        }
        try {
            thread.execute(flushTask);
            scheduled = true;
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            // the IO thread takes no more tasks (the worker is stopping): write now
            if (!drained()) {
                awaitSocket();
            }
        }
    }

    private void flushScheduled() {
        scheduled = false;
        try {
            if (!drained()) {
                awaitSocket();
            }
        } catch (IOException e) {
            // the connection is broken: the next write or read from above meets the same error
            release();
        }
    }

    /** Writes what is buffered; true when nothing is left. */
    private boolean drained() throws IOException {
        ByteBuffer buffered = pending;
        if (buffered == null) {
            return true;
        }
        buffered.flip();
        try {
            next.write(buffered);
        } finally {
            buffered.compact();
        }
        if (buffered.position() > 0) {
            return false;
        }
        release();
        stalled = false;
        return true;
    }

    /** The connection is closed: what was buffered can no longer leave. */
    void closed() {
        release();
    }

    private void release() {
        pending = null;
        stalled = false;
        if (pooled != null) {
            pooled.close();
            pooled = null;
        }
    }

    /** The socket's write interest on, for the rest of what is buffered. */
    private void awaitSocket() {
        stalled = true;
        next.resumeWrites();
    }

    @Override
    public boolean flush() throws IOException {
        if (hasPending()) {
            if (!shutdownRequested && !stalled) {
                // reported flushed: the bytes leave at the end of this turn, ahead of anything
                // written later
                return next.flush();
            }
            // a full socket, or a shutdown: honest, so that the layers above keep waiting for
            // the socket (and their write timeout keeps running)
            if (!drained()) {
                awaitSocket();
                return false;
            }
        }
        if (shutdownRequested && !terminated) {
            terminated = true;
            next.terminateWrites();
        }
        return next.flush();
    }

    @Override
    public void terminateWrites() throws IOException {
        shutdownRequested = true;
        if (drained()) {
            terminated = true;
            next.terminateWrites();
        }
    }

    @Override
    public void truncateWrites() throws IOException {
        try {
            drained(); // one attempt, without waiting: the connection is being closed
        } catch (IOException ignored) {
            // closing anyway
        }
        release();
        next.truncateWrites();
    }

    @Override
    public boolean isWriteShutdown() {
        return terminated || next.isWriteShutdown();
    }

    @Override
    public void resumeWrites() {
        upperWantsWrites = true;
        next.resumeWrites();
    }

    @Override
    public void suspendWrites() {
        upperWantsWrites = false;
        if (!hasPending()) {
            next.suspendWrites();
        }
    }

    @Override
    public void wakeupWrites() {
        upperWantsWrites = true;
        next.wakeupWrites();
    }

    @Override
    public boolean isWriteResumed() {
        return upperWantsWrites;
    }

    @Override
    public void awaitWritable() throws IOException {
        while (!drained()) {
            next.awaitWritable();
        }
        next.awaitWritable();
    }

    @Override
    public void awaitWritable(long time, TimeUnit timeUnit) throws IOException {
        if (!drained()) {
            next.awaitWritable(time, timeUnit);
            return;
        }
        next.awaitWritable(time, timeUnit);
    }

    @Override
    public void setWriteReadyHandler(WriteReadyHandler handler) {
        next.setWriteReadyHandler(handler == null ? null : new Gate(handler));
    }

    /** Drains what is buffered first; passes the event up only once it is out and the layers above want it. */
    private final class Gate implements WriteReadyHandler {
        private final WriteReadyHandler above;

        Gate(WriteReadyHandler above) {
            this.above = above;
        }

        @Override
        public void writeReady() {
            boolean empty;
            try {
                empty = drained();
            } catch (IOException e) {
                release();
                empty = true; // the layers above meet the error on their next write
            }
            if (!empty) {
                return; // interest stays on
            }
            if (shutdownRequested && !terminated) {
                terminated = true;
                try {
                    next.terminateWrites();
                } catch (IOException e) {
                    // reported by the next flush from above
                }
            }
            if (upperWantsWrites) {
                above.writeReady();
            } else {
                next.suspendWrites();
            }
        }

        @Override
        public void forceTermination() {
            above.forceTermination();
        }

        @Override
        public void terminated() {
            above.terminated();
        }
    }
}
