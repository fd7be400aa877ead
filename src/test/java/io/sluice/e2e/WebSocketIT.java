package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.sluice.testing.WebSocketMessages;
import io.undertow.Handlers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WebSocket upgrade relayed by Sluice to an Undertow echo backend, over ws:// and wss://. */
class WebSocketIT {
    private static UndertowBackend backend;
    /** What the backend saw in each upgrade request: "X-Forwarded-Proto Upgrade Connection". */
    private static final BlockingQueue<String> upgrades = new LinkedBlockingQueue<>();

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();
    private RunningSluice sluice;

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(Handlers.path(exchange -> {
            exchange.setStatusCode(404);
            exchange.getResponseSender().send("not a websocket path");
        }).addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
            upgrades.add(exchange.getRequestHeader("X-Forwarded-Proto") + " " + exchange.getRequestHeader("Upgrade")
                    + " " + exchange.getRequestHeader("Connection"));
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                    WebSockets.sendText("echo: " + message.getData(), ch, null);
                }

                @Override
                protected void onFullBinaryMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
                    try (var data = message.getData()) {
                        WebSockets.sendBinary(data.getResource(), ch, null);
                    }
                }
            });
            channel.resumeReceives();
        })));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String engine) throws Exception {
        sluice = closer.add(E2eSupport.httpsAndPlain(dir, engine, backend.port()));
        upgrades.clear();
    }

    @Test
    void echoOverPlainWs() throws Exception {
        start("jdk");
        echo(HttpClient.newHttpClient(), URI.create("ws://127.0.0.1:" + sluice.port("plain") + "/ws"));
        assertEquals("http websocket Upgrade", upgrades.poll(5, TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void echoOverWss(String engine) throws Exception {
        start(engine);
        HttpClient client = HttpClient.newBuilder().sslContext(Http.trustingContext()).build();
        echo(client, URI.create("wss://localhost:" + sluice.port("https") + "/ws"));
        assertEquals("https websocket Upgrade", upgrades.poll(5, TimeUnit.SECONDS));
    }

    /**
     * A proxied WebSocket has its own idle limit, not the pool's response-timeout: it stays
     * open through silences longer than response-timeout, and is closed once it has been
     * silent for websocket-idle-timeout.
     */
    @Test
    void webSocketIdleTimeoutIsItsOwn() throws Exception {
        sluice = closer.add(RunningSluice.start(dir, E2eSupport.config("{ name = plain, bind = \"127.0.0.1:0\" }", "",
                "response-timeout = 1s\nwebsocket-idle-timeout = 3s", "http://127.0.0.1:" + backend.port())));
        WebSocketMessages collector = new WebSocketMessages();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + sluice.port("plain") + "/ws"), collector).get(10, TimeUnit.SECONDS);
        try {
            Thread.sleep(1800); // longer than response-timeout
            socket.sendText("still there?", true).get(5, TimeUnit.SECONDS);
            assertEquals("text:echo: still there?", collector.next());
            String end = collector.next(); // nothing is sent: the proxy closes the idle tunnel
            assertTrue(end.startsWith("close:") || end.startsWith("error:"), end);
        } finally {
            socket.abort();
        }
    }

    /** Opens a WebSocket, checks text, a large text and a binary echo, then a clean close. */
    private static void echo(HttpClient client, URI uri) throws Exception {
        WebSocketMessages collector = new WebSocketMessages();
        WebSocket socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, collector).get(10, TimeUnit.SECONDS);
        try {
            socket.sendText("hello through sluice", true).get(5, TimeUnit.SECONDS);
            assertEquals("text:echo: hello through sluice", collector.next());

            String big = "0123456789abcdef".repeat(8 * 1024); // 128 KiB: many frames and buffers each way
            socket.sendText(big, true).get(5, TimeUnit.SECONDS);
            assertEquals("text:echo: " + big, collector.next());

            byte[] bytes = new byte[4096];
            new Random(7).nextBytes(bytes);
            socket.sendBinary(ByteBuffer.wrap(bytes), true).get(5, TimeUnit.SECONDS);
            assertEquals("binary:" + HexFormat.of().formatHex(bytes), collector.next());

            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            assertEquals("close:1000", collector.next());
        } finally {
            socket.abort();
        }
    }
}
