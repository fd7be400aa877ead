package io.sluice.listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * A real XNIO connection accepted on loopback, with a plain client socket at the other end: for
 * testing the listener's conduits where they sit, over the socket, on the connection's IO thread.
 */
final class XnioSocketPair implements AutoCloseable {
    final Socket client;
    final StreamConnection connection;
    private final XnioWorker worker;
    private final AcceptingChannel<StreamConnection> server;

    /** @param onAccept runs on the IO thread with the accepted connection, before anything else */
    XnioSocketPair(Consumer<StreamConnection> onAccept) throws Exception {
        worker = Xnio.getInstance().createWorker(OptionMap.builder().set(Options.WORKER_IO_THREADS, 1)
                .set(Options.WORKER_TASK_CORE_THREADS, 1).set(Options.WORKER_TASK_MAX_THREADS, 1).getMap());
        CompletableFuture<StreamConnection> accepted = new CompletableFuture<>();
        server = worker.createStreamConnectionServer(new InetSocketAddress("127.0.0.1", 0), channel -> {
            try {
                StreamConnection connection = channel.accept();
                if (connection != null) {
                    onAccept.accept(connection);
                    accepted.complete(connection);
                }
            } catch (IOException | RuntimeException e) {
                accepted.completeExceptionally(e);
            }
        }, OptionMap.EMPTY);
        server.resumeAccepts();
        client = new Socket();
        client.connect(server.getLocalAddress(InetSocketAddress.class), 5000);
        client.setSoTimeout(10_000);
        connection = accepted.get(5, TimeUnit.SECONDS);
    }

    /** Runs {@code action} on the connection's IO thread, as one task (one turn of its loop), and waits for it. */
    <T> T onIoThread(Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        connection.getIoThread().execute(() -> {
            try {
                result.complete(action.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        IoUtils.safeClose(client, connection, server);
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }
}
