package io.sluice.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.ChannelListener;
import org.xnio.StreamConnection;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * {@link LazyReadSuspend} on a real XNIO connection: a suspend leaves the socket's read interest
 * registered (the point: no selector change per request), a read event is never passed up while
 * reads are suspended, data that arrives then takes the interest out and is delivered after the
 * next resume, from the IO thread or from another thread.
 */
class LazyReadSuspendTest {
    /** The socket's own conduit, under LazyReadSuspend: what the selector has registered. */
    private volatile StreamSourceConduit socketConduit;
    private final AtomicInteger events = new AtomicInteger();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private XnioSocketPair pair;
    private Socket client;
    private StreamConnection connection;

    @BeforeEach
    void connect() throws Exception {
        pair = new XnioSocketPair(accepted -> {
            socketConduit = accepted.getSourceChannel().getConduit();
            LazyReadSuspend.install(accepted);
            accepted.getSourceChannel().setReadListener(reader());
        });
        client = pair.client;
        connection = pair.connection;
    }

    @AfterEach
    void close() throws Exception {
        pair.close();
    }

    private ChannelListener<ConduitStreamSourceChannel> reader() {
        return channel -> {
            events.incrementAndGet();
            ByteBuffer buffer = ByteBuffer.allocate(256);
            try {
                int read = channel.read(buffer);
                if (read > 0) {
                    received.add(new String(buffer.array(), 0, read, StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                received.add("error " + e);
            }
        };
    }

    private <T> T onIoThread(Callable<T> action) throws Exception {
        return pair.onIoThread(action);
    }

    private void send(String text) throws IOException {
        client.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
    }

    private void awaitSocketInterest(boolean registered) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (onIoThread(socketConduit::isReadResumed) != registered) {
            assertTrue(System.nanoTime() < until, "the socket's read interest never became " + registered);
            Thread.sleep(5);
        }
    }

    @Test
    void aSuspendKeepsTheSocketRegisteredUntilTheClientSends() throws Exception {
        ConduitStreamSourceChannel channel = connection.getSourceChannel();
        onIoThread(() -> { channel.resumeReads(); return null; });
        send("one");
        assertEquals("one", received.poll(5, TimeUnit.SECONDS));

        onIoThread(() -> { channel.suspendReads(); return null; });
        assertFalse(onIoThread(channel::isReadResumed), "the layers above see reads suspended");
        assertTrue(onIoThread(socketConduit::isReadResumed), "the selector keeps the socket while nothing arrives");

        int before = events.get();
        send("two");
        awaitSocketInterest(false); // the event came, was held back, and took the interest out
        assertEquals(before, events.get(), "no read event reaches a suspended reader");
        assertEquals(null, received.poll());

        onIoThread(() -> { channel.resumeReads(); return null; });
        assertEquals("two", received.poll(5, TimeUnit.SECONDS));
        assertTrue(onIoThread(socketConduit::isReadResumed));
    }

    @Test
    void aResumeFromAnotherThreadDeliversWhatArrivedWhileSuspended() throws Exception {
        ConduitStreamSourceChannel channel = connection.getSourceChannel();
        onIoThread(() -> { channel.resumeReads(); channel.suspendReads(); return null; });
        send("held");
        awaitSocketInterest(false);
        channel.resumeReads(); // this test's thread, not the IO thread
        assertEquals("held", received.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aSuspendAndResumeWithNothingInBetweenChangeNothingAtTheSocket() throws Exception {
        ConduitStreamSourceChannel channel = connection.getSourceChannel();
        onIoThread(() -> { channel.resumeReads(); return null; });
        for (int i = 0; i < 100; i++) {
            onIoThread(() -> { channel.suspendReads(); return null; });
            assertTrue(onIoThread(socketConduit::isReadResumed));
            onIoThread(() -> { channel.resumeReads(); return null; });
        }
        send("still");
        assertEquals("still", received.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void theClientClosingWhileSuspendedIsSeenAfterTheResume() throws Exception {
        ConduitStreamSourceChannel channel = connection.getSourceChannel();
        onIoThread(() -> { channel.resumeReads(); channel.suspendReads(); return null; });
        client.shutdownOutput();
        awaitSocketInterest(false);
        int before = events.get();
        onIoThread(() -> { channel.resumeReads(); return null; });
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (events.get() == before) {
            assertTrue(System.nanoTime() < until, "the end of the stream was never delivered");
            Thread.sleep(5);
        }
    }
}
