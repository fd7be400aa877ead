package io.sluice.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * {@link LazyReadSuspend} on a real XNIO connection: a suspend leaves the socket's read interest
 * registered (the point: no selector change per request), a read event is never passed up while
 * reads are suspended, data that arrives then takes the interest out and is delivered after the
 * next resume, from the IO thread or from another thread.
 */
class LazyReadSuspendTest {
    private XnioWorker worker;
    private AcceptingChannel<StreamConnection> server;
    private final CompletableFuture<StreamConnection> accepted = new CompletableFuture<>();
    /** The socket's own conduit, under LazyReadSuspend: what the selector has registered. */
    private volatile StreamSourceConduit socketConduit;
    private final AtomicInteger events = new AtomicInteger();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private Socket client;
    private StreamConnection connection;

    @BeforeEach
    void connect() throws Exception {
        worker = Xnio.getInstance().createWorker(OptionMap.builder().set(Options.WORKER_IO_THREADS, 1)
                .set(Options.WORKER_TASK_CORE_THREADS, 1).set(Options.WORKER_TASK_MAX_THREADS, 1).getMap());
        server = worker.createStreamConnectionServer(new InetSocketAddress("127.0.0.1", 0), channel -> {
            try {
                StreamConnection connection = channel.accept();
                if (connection != null) {
                    socketConduit = connection.getSourceChannel().getConduit();
                    LazyReadSuspend.install(connection);
                    connection.getSourceChannel().setReadListener(reader());
                    accepted.complete(connection);
                }
            } catch (IOException e) {
                accepted.completeExceptionally(e);
            }
        }, OptionMap.EMPTY);
        server.resumeAccepts();
        client = new Socket();
        client.connect(server.getLocalAddress(InetSocketAddress.class), 5000);
        connection = accepted.get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        IoUtils.safeClose(client, connection, server);
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
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

    /** Runs on the connection's IO thread and waits for it. */
    private <T> T onIoThread(Supplier<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        connection.getIoThread().execute(() -> result.complete(action.get()));
        return result.get(5, TimeUnit.SECONDS);
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
