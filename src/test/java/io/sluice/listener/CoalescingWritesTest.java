package io.sluice.listener;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.StreamSinkConduit;

/**
 * {@link CoalescingWrites} on a real XNIO connection: the writes of one IO-loop turn leave in
 * one system call at the end of it, in order; before {@code coalesce()} nothing changes; a
 * client that stops reading gets everything once it reads again, and the layers above hear
 * the socket is writable only after what was buffered has left; a shutdown sends what is
 * buffered before the end of the stream.
 */
class CoalescingWritesTest {
    /** Write calls that reached the socket. */
    private final AtomicInteger socketWrites = new AtomicInteger();
    private volatile CoalescingWrites coalescing;
    private final ThreadCachedBufferPool buffers = new ThreadCachedBufferPool(true, 16 * 1024, 8, 64);
    private XnioSocketPair pair;
    private Socket client;
    private StreamConnection connection;

    @BeforeEach
    void connect() throws Exception {
        pair = new XnioSocketPair(accepted -> {
            ConduitStreamSinkChannel sink = accepted.getSinkChannel();
            sink.setConduit(new Counting(sink.getConduit()));
            coalescing = CoalescingWrites.install(accepted, buffers);
        });
        client = pair.client;
        connection = pair.connection;
    }

    @AfterEach
    void close() throws Exception {
        pair.close();
    }

    private final class Counting extends AbstractStreamSinkConduit<StreamSinkConduit> {
        Counting(StreamSinkConduit next) {
            super(next);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            socketWrites.incrementAndGet();
            return next.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            socketWrites.incrementAndGet();
            return next.write(srcs, offset, length);
        }
    }

    private <T> T onIoThread(Callable<T> action) throws Exception {
        return pair.onIoThread(action);
    }

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }

    private byte[] readExactly(int length) throws IOException {
        byte[] read = client.getInputStream().readNBytes(length);
        assertEquals(length, read.length, "the stream ended early");
        return read;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Writes all of {@code data} with the channel's write and flush, as Undertow's TLS conduit does per record. */
    private int writeAndFlush(byte[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        int written = connection.getSinkChannel().write(buffer);
        assertTrue(connection.getSinkChannel().flush(), "reported flushed");
        return written;
    }

    @Test
    void untilCoalesceIsCalledEveryWriteGoesStraightOut() throws Exception {
        byte[] a = bytes(300, 1);
        byte[] b = bytes(500, 2);
        int before = socketWrites.get();
        onIoThread(() -> writeAndFlush(a) + writeAndFlush(b));
        assertEquals(2, socketWrites.get() - before);
        assertArrayEquals(concat(a, b), readExactly(800));
    }

    @Test
    void theWritesOfOneTurnLeaveInOneSystemCall() throws Exception {
        onIoThread(() -> {
            coalescing.coalesce();
            return null;
        });
        byte[] a = bytes(1100, 3);
        byte[] b = bytes(1200, 4);
        byte[] c = bytes(40, 5);
        int before = socketWrites.get();
        int written = onIoThread(() -> writeAndFlush(a) + writeAndFlush(b) + writeAndFlush(c));
        assertEquals(2340, written);
        assertArrayEquals(concat(a, b, c), readExactly(2340));
        assertEquals(1, socketWrites.get() - before, "one write for the turn");

        // the next turn starts afresh, and a write larger than the buffer goes out at once, after what waits
        byte[] small = bytes(700, 6);
        byte[] large = bytes(40_000, 7);
        onIoThread(() -> writeAndFlush(small) + writeAndFlush(large));
        assertArrayEquals(concat(small, large), readExactly(40_700));
    }

    @Test
    void aClientThatStopsReadingGetsEverythingInOrderAndTheWriterHearsOnlyWhenItIsOut() throws Exception {
        onIoThread(() -> {
            coalescing.coalesce();
            return null;
        });
        AtomicInteger writable = new AtomicInteger();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        // fill the socket and what is buffered here, in small writes as HTTP/2 frames come
        int round = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            byte[] chunk = bytes(1000, round++);
            int written = onIoThread(() -> connection.getSinkChannel().write(ByteBuffer.wrap(chunk)));
            sent.write(chunk, 0, written);
            if (written < chunk.length) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "the socket never filled");
        }
        // bytes held for a full socket are not reported flushed: the writer keeps waiting (and
        // its write timeout keeps running)
        assertEquals(false, onIoThread(() -> connection.getSinkChannel().flush()));
        onIoThread(() -> {
            connection.getSinkChannel().getWriteSetter().set(channel -> {
                writable.incrementAndGet();
                channel.suspendWrites();
            });
            connection.getSinkChannel().resumeWrites();
            return null;
        });
        Thread.sleep(200);
        assertEquals(0, writable.get(), "nothing is writable while the client reads nothing");
        byte[] expected = sent.toByteArray();
        InputStream in = client.getInputStream();
        assertArrayEquals(expected, in.readNBytes(expected.length));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (writable.get() == 0) {
            assertTrue(System.nanoTime() < until, "the writer never heard the socket was writable again");
            Thread.sleep(5);
        }
    }

    @Test
    void aShutdownSendsWhatIsBufferedBeforeTheEndOfTheStream() throws Exception {
        byte[] last = bytes(900, 8);
        boolean flushed = onIoThread(() -> {
            coalescing.coalesce();
            connection.getSinkChannel().write(ByteBuffer.wrap(last));
            connection.getSinkChannel().shutdownWrites();
            return connection.getSinkChannel().flush();
        });
        assertTrue(flushed);
        assertArrayEquals(last, readExactly(900));
        assertEquals(-1, client.getInputStream().read(), "the end of the stream follows");
    }
}
