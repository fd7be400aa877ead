package io.sluice.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.RawHttp;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StringReadChannelListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * A request handed to a {@link BackendConnection} while the previous response is still
 * being read waits for it (Undertow's connection pool hands a connection back when the
 * client's exchange ends, which can be before the member's response is read to its end):
 * it goes out once that response is complete, on the same connection, and fails when the
 * connection closes first. Driven through {@link BackendClientProvider} against a member
 * on a real socket, on the connection's IO thread as Undertow's proxy drives it.
 */
class BackendConnectionQueueIT {
    private static final long WAIT_SECONDS = 10;

    private XnioWorker worker;
    private final ByteBufferPool buffers = new DefaultByteBufferPool(false, 16 * 1024);
    private ServerSocket member;
    /** Request lines the member read, in order, each with the number of the connection it came on. */
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws Exception {
        worker = Xnio.getInstance(BackendConnectionQueueIT.class.getClassLoader())
                .createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1, Options.WORKER_TASK_MAX_THREADS, 1));
        member = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws Exception {
        member.close();
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aRequestHandedOverBeforeTheResponseWasReadGoesOutAfterIt() throws Exception {
        CountDownLatch secondWaits = new CountDownLatch(1);
        serve((in, out, number) -> {
            seen.add(number + " " + requestLine(in));
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            seen.add(number + " " + requestLine(in));
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Which: second\r\n\r\nsecond".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            requestLine(in); // until Sluice closes
        });
        ClientConnection connection = connect();
        CompletableFuture<String> firstBody = new CompletableFuture<>();
        CompletableFuture<ClientExchange> second = new CompletableFuture<>();
        CompletableFuture<String> secondBody = new CompletableFuture<>();
        boolean[] secondSentAtOnce = new boolean[1];
        boolean[] firstCompleteWhenSecondSent = new boolean[1];
        connection.getIoThread().execute(() -> connection.sendRequest(get("/first"), callback(first -> {
            first.setResponseListener(callback(answered -> {
                // the first response's body is unread: the second request has to wait for it
                connection.sendRequest(get("/second"), callback(sent -> {
                    firstCompleteWhenSecondSent[0] = ((BackendExchange) answered).responseDone;
                    second.complete(sent);
                    sent.setResponseListener(callback(secondAnswered ->
                            readBody(secondAnswered, secondBody), secondBody::completeExceptionally));
                }, second::completeExceptionally));
                secondSentAtOnce[0] = second.isDone();
                secondWaits.countDown();
                readBody(answered, firstBody);
            }, firstBody::completeExceptionally));
        }, firstBody::completeExceptionally)));

        assertTrue(secondWaits.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(secondSentAtOnce[0], "the second request was queued, not sent");
        assertEquals("first", firstBody.get(WAIT_SECONDS, TimeUnit.SECONDS));
        ClientExchange sent = second.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(firstCompleteWhenSecondSent[0], "the second request went out only once the first response was complete");
        assertEquals("second", secondBody.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(200, sent.getResponse().getResponseCode());
        assertEquals("second", sent.getResponse().getResponseHeaders().getFirst("X-Which"));
        assertEquals(List.of("1 GET /first HTTP/1.1", "1 GET /second HTTP/1.1"), seen, "both on the one connection, in order");
        assertTrue(connection.isOpen(), "kept alive for the next request");
    }

    @Test
    void aWaitingRequestFailsWhenTheMemberClosesInsideTheResponseBody() throws Exception {
        CountDownLatch secondWaits = new CountDownLatch(1);
        serve((in, out, number) -> {
            seen.add(number + " " + requestLine(in));
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            await(secondWaits);
            // closes, 5 bytes short of the Content-Length
        });
        ClientConnection connection = connect();
        CompletableFuture<String> firstBody = new CompletableFuture<>();
        CompletableFuture<ClientExchange> second = new CompletableFuture<>();
        connection.getIoThread().execute(() -> connection.sendRequest(get("/first"), callback(first -> {
            first.setResponseListener(callback(answered -> {
                connection.sendRequest(get("/second"), callback(second::complete, second::completeExceptionally));
                secondWaits.countDown();
                readBody(answered, firstBody);
            }, firstBody::completeExceptionally));
        }, firstBody::completeExceptionally)));

        ExecutionException cut = assertThrows(ExecutionException.class,
                () -> firstBody.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, cut.getCause(), "the first body ends in an error, not in a short string");
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> second.get(WAIT_SECONDS, TimeUnit.SECONDS), "the waiting request fails instead of waiting forever");
        assertInstanceOf(ClosedChannelException.class, failed.getCause());
        assertFalse(connection.isOpen());
        assertEquals(List.of("1 GET /first HTTP/1.1"), seen, "the waiting request never reached the member");
    }

    @Test
    void aWaitingRequestFailsWhenTheMemberClosesWithoutAnswering() throws Exception {
        CountDownLatch secondWaits = new CountDownLatch(1);
        serve((in, out, number) -> {
            seen.add(number + " " + requestLine(in));
            await(secondWaits);
        });
        ClientConnection connection = connect();
        CompletableFuture<ClientExchange> firstAnswer = new CompletableFuture<>();
        CompletableFuture<ClientExchange> second = new CompletableFuture<>();
        connection.getIoThread().execute(() -> connection.sendRequest(get("/first"), callback(first -> {
            first.setResponseListener(callback(firstAnswer::complete, firstAnswer::completeExceptionally));
            connection.sendRequest(get("/second"), callback(second::complete, second::completeExceptionally));
            secondWaits.countDown();
        }, firstAnswer::completeExceptionally)));

        ExecutionException unanswered = assertThrows(ExecutionException.class,
                () -> firstAnswer.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, unanswered.getCause());
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> second.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(ClosedChannelException.class, failed.getCause());
        assertEquals(List.of("1 GET /first HTTP/1.1"), seen);
    }

    private ClientConnection connect() throws Exception {
        CompletableFuture<ClientConnection> connected = new CompletableFuture<>();
        new BackendClientProvider().connect(callback(connected::complete, connected::completeExceptionally),
                URI.create("http://127.0.0.1:" + member.getLocalPort()), worker, null, buffers,
                OptionMap.create(Options.READ_TIMEOUT, (int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS * 2)));
        return connected.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static ClientRequest get(String path) {
        ClientRequest request = new ClientRequest().setMethod(Methods.GET).setPath(path);
        request.getRequestHeaders().put(Headers.HOST, "member");
        return request;
    }

    private void readBody(ClientExchange exchange, CompletableFuture<String> body) {
        new StringReadChannelListener(buffers) {
            @Override
            protected void stringDone(String string) {
                body.complete(string);
            }

            @Override
            protected void error(IOException e) {
                body.completeExceptionally(e);
            }
        }.setup(exchange.getResponseChannel());
    }

    private interface Conversation {
        void run(InputStream in, OutputStream out, int connection) throws IOException;
    }

    /** Accepts connections, numbering them from 1, and has each one served by {@code conversation}, then closed. */
    private void serve(Conversation conversation) {
        Thread acceptor = new Thread(() -> {
            int number = 0;
            while (!member.isClosed()) {
                try (Socket socket = member.accept()) {
                    conversation.run(socket.getInputStream(), socket.getOutputStream(), ++number);
                } catch (IOException e) {
                    // the member closed, or Sluice did
                }
            }
        }, "member");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static <T> ClientCallback<T> callback(java.util.function.Consumer<T> completed, java.util.function.Consumer<IOException> failed) {
        return new ClientCallback<>() {
            @Override
            public void completed(T result) {
                completed.accept(result);
            }

            @Override
            public void failed(IOException e) {
                failed.accept(e);
            }
        };
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the test never queued its second request");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The request line of the next request head, or null when the stream ends first. */
    private static String requestLine(InputStream in) throws IOException {
        String head = RawHttp.readHead(in);
        return head == null ? null : head.substring(0, head.indexOf("\r\n"));
    }
}
