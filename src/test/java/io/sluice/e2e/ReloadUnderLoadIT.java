package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Closer;
import io.sluice.testing.Eventually;
import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.UndertowBackend;
import io.sluice.testing.WebSocketMessages;
import io.undertow.Handlers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads under load with every kind of change, one after the other: routes, pool members,
 * limits, TLS protocols, the TLS engine, certificates, HTTP/2 off and on, the admin bind. Across
 * all of them: no request fails, a streaming upload over http and one over https keep going and
 * arrive whole, and a WebSocket keeps echoing.
 */
class ReloadUnderLoadIT {
    private static final int UPLOAD_BYTES = 1024 * 1024;
    private static final int CHUNK = 1024;

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    /** One setting of each kind; a reload changes one of them. */
    private record Knobs(String extraRoute, boolean secondMember, String limits, String protocols, String engine, Path[] cert,
                         boolean http2, int adminPort) {
        Knobs with(java.util.function.UnaryOperator<Knobs> change) {
            return change.apply(this);
        }
    }

    private String config(Knobs k, int first, int second) {
        String members = "{ url = \"http://127.0.0.1:" + first + "\" }"
                + (k.secondMember() ? ", { url = \"http://127.0.0.1:" + second + "\" }" : "");
        return """
                sluice {
                  listeners = [
                    { name = http, bind = "127.0.0.1:0" }
                    { name = https, bind = "127.0.0.1:0", http2 = %s,
                      tls { engine = %s, protocols = %s, certificate = "%s", key = "%s" } }
                  ]
                  limits { %s }
                  routes = [ { prefix = "/", pool = app } %s ]
                  shutdown.drain-timeout = 30s
                  admin { bind = "127.0.0.1:%d", open-read = on }
                  pools { app { members = [ %s ] } }
                }
                """.formatted(k.http2(), k.engine(), k.protocols(), k.cert()[0], k.cert()[1], k.limits(), k.extraRoute(),
                k.adminPort(), members);
    }

    @Test
    void noRequestFailsAndNoConnectionIsCutAcrossEveryKindOfChange() throws Exception {
        UndertowBackend first = closer.add(backend("first"));
        UndertowBackend second = closer.add(backend("second"));
        TestCertificates.PemFiles cert = TestCertificates.write(dir, "RSA", "localhost");
        TestCertificates.PemFiles renewed = TestCertificates.write(java.nio.file.Files.createDirectories(dir.resolve("renewed")), "RSA", "localhost");
        Knobs base = new Knobs("", false, "", "[TLSv1.3, TLSv1.2]", "jdk", new Path[] {cert.certificate(), cert.key()}, true,
                Eventually.freePort());
        RunningSluice sluice = closer.add(RunningSluice.start(dir, config(base, first.port(), second.port())));
        int httpPort = sluice.port("http");
        int httpsPort = sluice.port("https");

        Load load = new Load(sluice);
        load.start();
        Upload plainUpload = new Upload(new Socket("127.0.0.1", httpPort));
        Upload tlsUpload = new Upload(Http.trustingContext().getSocketFactory().createSocket("127.0.0.1", httpsPort));
        ((SSLSocket) tlsUpload.socket).startHandshake();
        plainUpload.start();
        tlsUpload.start();
        WebSocketMessages echo = new WebSocketMessages();
        WebSocket socket = HttpClient.newBuilder().sslContext(Http.trustingContext()).build().newWebSocketBuilder()
                .buildAsync(URI.create("wss://localhost:" + httpsPort + "/ws"), echo).get(10, TimeUnit.SECONDS);

        List<Knobs> steps = new ArrayList<>();
        Knobs k = base;
        steps.add(k = k.with(x -> new Knobs(", { prefix = \"/extra/\", pool = app }", x.secondMember(), x.limits(), x.protocols(),
                x.engine(), x.cert(), x.http2(), x.adminPort())));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), true, x.limits(), x.protocols(), x.engine(), x.cert(), x.http2(),
                x.adminPort())));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(),
                "idle-timeout = 40s, max-header-size = 32KiB, write-timeout = 50s, http2-max-concurrent-streams = 50",
                x.protocols(), x.engine(), x.cert(), x.http2(), x.adminPort())));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(), x.limits(), "[TLSv1.2]", x.engine(), x.cert(),
                x.http2(), x.adminPort())));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(), x.limits(), "[TLSv1.3, TLSv1.2]", "openssl",
                x.cert(), x.http2(), x.adminPort())));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(), x.limits(), x.protocols(), x.engine(),
                new Path[] {renewed.certificate(), renewed.key()}, x.http2(), x.adminPort())));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(), x.limits(), x.protocols(), x.engine(), x.cert(),
                false, x.adminPort())));
        int movedAdmin = Eventually.freePort();
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(), x.limits(), x.protocols(), x.engine(), x.cert(),
                x.http2(), movedAdmin)));
        steps.add(k = k.with(x -> new Knobs(x.extraRoute(), x.secondMember(), x.limits(), x.protocols(), "jdk", x.cert(),
                true, x.adminPort())));

        int echoes = 0;
        for (Knobs step : steps) {
            Thread.sleep(300);
            var outcome = sluice.reload(config(step, first.port(), second.port()));
            assertTrue(outcome.applied(), outcome.summary());
            assertEquals(httpPort, sluice.port("http"), "the http listener kept its socket");
            assertEquals(httpsPort, sluice.port("https"), "the https listener kept its socket");
            socket.sendText("after " + outcome.summary(), true).get(5, TimeUnit.SECONDS);
            assertEquals("text:echo: after " + outcome.summary(), echo.next(), "the WebSocket is still open");
            echoes++;
            assertTrue(plainUpload.failure.get() == null, "http upload: " + plainUpload.failure.get());
            assertTrue(tlsUpload.failure.get() == null, "https upload: " + tlsUpload.failure.get());
        }
        Thread.sleep(300);
        load.stop();
        assertEquals("received " + UPLOAD_BYTES, plainUpload.finish(), "the http upload arrived whole");
        assertEquals("received " + UPLOAD_BYTES, tlsUpload.finish(), "the https upload arrived whole");
        assertEquals(steps.size(), echoes);
        assertEquals(200, Http.get(Http.client(), URI.create("http://127.0.0.1:" + k.adminPort() + "/api/v1/health/live"))
                .statusCode(), "the admin listener moved");
        System.out.println("ReloadUnderLoadIT: " + load.ok.get() + " requests across " + steps.size() + " reloads, "
                + load.failures.size() + " failed");
        assertTrue(load.ok.get() > 100, "requests served: " + load.ok.get());
        assertEquals(List.of(), load.failures);
    }

    /** GET / returns the backend's name, PUT /upload counts the body, /ws echoes text. */
    private static UndertowBackend backend(String name) {
        return UndertowBackend.http(Handlers.path(exchange -> {
            if (exchange.getRequestMethod().toString().equals("PUT")) {
                exchange.getRequestReceiver().receiveFullBytes((ex, body) -> ex.getResponseSender().send("received " + body.length));
            } else {
                exchange.getResponseSender().send(name);
            }
        }).addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                    WebSockets.sendText("echo: " + message.getData(), ch, null);
                }
            });
            channel.resumeReceives();
        })));
    }

    /** Two clients in a loop, one on each listener (HTTP/1.1 keep-alive over http, HTTP/2 where offered over https). */
    private static final class Load {
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(RunningSluice sluice) {
            threads.add(loop(Http.client(), sluice.uri("http", "/")));
            threads.add(loop(HttpClient.newBuilder().sslContext(Http.trustingContext()).version(HttpClient.Version.HTTP_2).build(),
                    URI.create("https://localhost:" + sluice.port("https") + "/")));
        }

        private Thread loop(HttpClient client, URI uri) {
            return new Thread(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> response = Http.get(client, uri);
                        if (response.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(uri.getScheme() + " status " + response.statusCode() + ": " + response.body());
                        }
                    } catch (Exception e) {
                        failures.add(uri.getScheme() + " " + e);
                    }
                }
            });
        }

        void start() {
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }
    }

    /**
     * A PUT whose body trickles in (a chunk every 20 ms) while the reloads happen; {@link #finish}
     * sends the rest and reads the answer.
     */
    private static final class Upload extends Thread {
        final Socket socket;
        final AtomicReference<String> failure = new AtomicReference<>();
        private final AtomicBoolean trickle = new AtomicBoolean(true);
        private int sent;

        Upload(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("PUT /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + UPLOAD_BYTES
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void run() {
            try {
                OutputStream out = socket.getOutputStream();
                byte[] chunk = new byte[CHUNK];
                while (trickle.get() && sent + CHUNK < UPLOAD_BYTES) {
                    out.write(chunk);
                    out.flush();
                    sent += CHUNK;
                    Thread.sleep(20);
                }
            } catch (IOException | InterruptedException e) {
                failure.set(e.toString());
            }
        }

        String finish() throws Exception {
            trickle.set(false);
            join(10_000);
            assertNotNull(socket.getOutputStream());
            socket.getOutputStream().write(new byte[UPLOAD_BYTES - sent]);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            String text = "";
            int read;
            while (!complete(text) && (read = in.read(buffer)) > 0) {
                response.write(buffer, 0, read);
                text = response.toString(StandardCharsets.ISO_8859_1);
            }
            socket.close();
            assertTrue(text.startsWith("HTTP/1.1 200"), text);
            return text.substring(text.indexOf("\r\n\r\n") + 4);
        }

        /** The head and as many body bytes as its Content-Length says. */
        private static boolean complete(String response) {
            int end = response.indexOf("\r\n\r\n");
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(response);
            return end >= 0 && length.find() && response.length() - end - 4 >= Integer.parseInt(length.group(1));
        }
    }
}
