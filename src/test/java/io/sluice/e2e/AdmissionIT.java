package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Closer;
import io.sluice.testing.Flood;
import io.sluice.testing.Http;
import io.sluice.testing.RawHttp2;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission control at the listeners, against the real Sluice with a real backend and raw
 * clients that misbehave: floods of idle and half-handshake connections, connection limits
 * (listener, total, per client), HTTP/2 stream limit, stalled uploads, a client that stops
 * reading. Timeouts are configured short (2 s) and every wait is a loop with a generous
 * deadline: nothing here depends on how fast the machine is.
 */
class AdmissionIT {
    private static final long DEADLINE_MILLIS = 30_000;
    private static final int BIG_RESPONSE = 64 << 20;

    private static UndertowBackend backend;
    private static final AtomicInteger uploadsStarted = new AtomicInteger();
    private static final AtomicInteger uploadsComplete = new AtomicInteger();
    private static final AtomicInteger uploadsBroken = new AtomicInteger();

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(new Backend());
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /** "/big": 64 MiB; "/upload": reads the body and records whether it arrived whole; else a short answer. */
    private static final class Backend implements HttpHandler {
        @Override
        public void handleRequest(HttpServerExchange exchange) throws Exception {
            String path = exchange.getRequestPath();
            if (!path.equals("/upload") && !path.equals("/big")) {
                exchange.getResponseSender().send("ok " + path);
                return;
            }
            if (exchange.isInIoThread()) {
                exchange.dispatch(this);
                return;
            }
            exchange.startBlocking();
            if (path.equals("/big")) {
                exchange.setResponseContentLength(BIG_RESPONSE);
                byte[] chunk = new byte[1 << 20];
                try (OutputStream out = exchange.getOutputStream()) {
                    for (int i = 0; i < BIG_RESPONSE / chunk.length; i++) {
                        out.write(chunk);
                    }
                } catch (IOException cut) {
                    // the client went away
                }
                return;
            }
            uploadsStarted.incrementAndGet();
            long declared = exchange.getRequestContentLength();
            long read = 0;
            try (InputStream in = exchange.getInputStream()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    read += n;
                }
            } catch (IOException broken) {
                uploadsBroken.incrementAndGet();
                return;
            }
            if (read == declared) {
                uploadsComplete.incrementAndGet();
            } else {
                uploadsBroken.incrementAndGet(); // ended early without an error: a truncated body that looked complete
            }
            exchange.getResponseSender().send("got " + read);
        }
    }

    private RunningSluice start(String limits, String listeners) throws Exception {
        return closer.add(RunningSluice.start(dir, """
                sluice {
                  limits { %s }
                  listeners = [ %s ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                  admin { bind = "127.0.0.1:0", open-read = on }
                }
                """.formatted(limits, listeners, backend.port())));
    }

    private static double metric(RunningSluice sluice, String series) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
        return MetricsIT.value(Http.get(Http.client(), uri).body(), series);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + DEADLINE_MILLIS + " ms: " + what);
            }
            Thread.sleep(100);
        }
    }

    private static BooleanSupplier metricIs(RunningSluice sluice, String series, double expected) {
        return () -> {
            try {
                return metric(sluice, series) == expected;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
    }

    private static BooleanSupplier metricAtLeast(RunningSluice sluice, String series, double expected) {
        return () -> {
            try {
                return metric(sluice, series) >= expected;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
    }

    private static int get(HttpClient client, URI uri) throws Exception {
        return Http.get(client, uri).statusCode();
    }

    @Test
    void connectionsOverTheListenerAndTotalLimitsAreResetWhileOpenOnesAreServed() throws Exception {
        // long timeouts: nothing but the limits may close a connection here
        RunningSluice sluice = start("max-connections = 1200, request-parse-timeout = 120s, tls-handshake-timeout = 120s",
                "{ name = http, bind = \"127.0.0.1:0\", max-connections = 1000 },"
                        + " { name = https, bind = \"127.0.0.1:0\", tls { self-signed = [localhost] } }");
        HttpClient kept = Http.client(); // one kept-alive https connection, opened before the floods
        assertEquals(200, get(kept, sluice.localhostUri("https", "/before")));

        try (Flood full = closer.add(Flood.idle(sluice.address("http"), 1000))) {
            await("1000 idle connections admitted", metricIs(sluice, "sluice_listener_connections_open{listener=\"http\"}", 1000));
            Flood over = closer.add(Flood.idle(sluice.address("http"), 100));
            await("100 connections over the listener's limit reset", () -> over.stillOpen() == 0);
            assertEquals(100, metric(sluice, "sluice_listener_connections_refused_total{listener=\"http\",limit=\"listener-limit\"}"));
            assertEquals(1000, full.stillOpen(), "the admitted ones stay");
            assertThrows(IOException.class, () -> get(Http.client(), sluice.uri("http", "/full")), "a new connection is reset");

            // https has room of its own, but the total (1200) has 199 places left: 1000 + the kept connection
            Flood halfHellos = closer.add(Flood.halfClientHello(sluice.address("https"), 250));
            await("the total limit resets the rest", () -> halfHellos.stillOpen() == 199);
            assertEquals(51, metric(sluice, "sluice_listener_connections_refused_total{listener=\"https\",limit=\"total-limit\"}"));
            assertEquals(1200, metric(sluice, "sluice_connections_open"));
            assertEquals(200, get(kept, sluice.localhostUri("https", "/kept")), "an open connection keeps being served");
            assertEquals(200, metric(sluice, "sluice_listener_connections_open{listener=\"https\"}"));
            halfHellos.close();
        }
        await("places given back as connections close", metricIs(sluice, "sluice_connections_open", 1));
        assertEquals(200, get(Http.client(), sluice.uri("http", "/after")));
        assertEquals(200, get(Http.client(), sluice.localhostUri("https", "/after")));
    }

    @Test
    void idleAndHalfHandshakeConnectionsAreClosedAfterTheirTimeoutsWhileRequestsAreServed() throws Exception {
        RunningSluice sluice = start("request-parse-timeout = 2s, tls-handshake-timeout = 2s",
                "{ name = http, bind = \"127.0.0.1:0\" },"
                        + " { name = jdk, bind = \"127.0.0.1:0\", tls { engine = jdk, self-signed = [localhost] } },"
                        + " { name = openssl, bind = \"127.0.0.1:0\", tls { engine = openssl, self-signed = [localhost] } }");
        List<Flood> floods = new ArrayList<>();
        floods.add(closer.add(Flood.idle(sluice.address("http"), 2000)));
        for (String tls : List.of("jdk", "openssl")) {
            floods.add(closer.add(Flood.halfClientHello(sluice.address(tls), 200)));
            floods.add(closer.add(Flood.idle(sluice.address(tls), 100)));
        }
        long opened = System.currentTimeMillis();
        HttpClient client = Http.client();
        int served = 0;
        while (floods.stream().mapToInt(Flood::stillOpen).sum() > 0) {
            assertTrue(System.currentTimeMillis() - opened < DEADLINE_MILLIS, "slow connections still open after "
                    + DEADLINE_MILLIS + " ms: " + floods.stream().map(Flood::stillOpen).toList());
            for (String listener : List.of("http", "jdk", "openssl")) {
                assertEquals(200, get(client, sluice.localhostUri(listener, "/during")), listener);
                assertEquals(200, get(Http.client(), sluice.localhostUri(listener, "/fresh")), listener + ", new connection");
                served += 2;
            }
            Thread.sleep(200);
        }
        assertTrue(served > 0);
        assertEquals(2000, metric(sluice, "sluice_listener_silent_connections_closed_total{listener=\"http\"}"));
        for (String tls : List.of("jdk", "openssl")) {
            assertEquals(300, metric(sluice, "sluice_listener_tls_handshake_timeouts_total{listener=\"" + tls + "\"}"), tls);
        }
        assertEquals(0, metric(sluice, "sluice_listener_connections_refused_total{listener=\"http\",limit=\"listener-limit\"}"));
    }

    @Test
    void handshakesInProgressAreCappedAndAFinishedHandshakeGivesItsPlaceBack() throws Exception {
        RunningSluice sluice = start("max-tls-handshakes = 50, tls-handshake-timeout = 8s",
                "{ name = https, bind = \"127.0.0.1:0\", tls { self-signed = [localhost] } }");
        HttpClient kept = Http.client();
        assertEquals(200, get(kept, sluice.localhostUri("https", "/kept")));
        await("a completed handshake holds no place", metricIs(sluice, "sluice_tls_handshakes_in_progress", 0));
        Flood halfHellos = closer.add(Flood.halfClientHello(sluice.address("https"), 80));
        // (the 8 s handshake timeout leaves ample time for the checks before it frees the 50 places)
        await("30 over the handshake cap reset", metricIs(sluice,
                "sluice_listener_connections_refused_total{listener=\"https\",limit=\"handshake-limit\"}", 30));
        assertEquals(50, metric(sluice, "sluice_tls_handshakes_in_progress"));
        assertThrows(IOException.class, () -> get(Http.client(), sluice.localhostUri("https", "/new")), "no handshake place left");
        assertEquals(200, get(kept, sluice.localhostUri("https", "/kept-again")), "an established connection is served");
        await("the stalled handshakes closed by the timeout", () -> halfHellos.stillOpen() == 0);
        await("their places given back", metricIs(sluice, "sluice_tls_handshakes_in_progress", 0));
        assertEquals(200, get(Http.client(), sluice.localhostUri("https", "/new-again")));
    }

    @Test
    void reloadedConnectionLimitAppliesToNewConnectionsAndKeepsOpenOnes() throws Exception {
        RunningSluice sluice = start("max-connections = 100, request-parse-timeout = 120s", "{ name = http, bind = \"127.0.0.1:0\" }");
        int port = sluice.port("http");
        Flood open = closer.add(Flood.idle(sluice.address("http"), 10));
        await("10 admitted", metricIs(sluice, "sluice_connections_open", 10));
        String reloaded = """
                sluice {
                  limits { max-connections = 12, request-parse-timeout = 120s }
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                  admin { bind = "127.0.0.1:0", open-read = on }
                }
                """.formatted(backend.port());
        assertTrue(sluice.reload(reloaded).applied());
        assertEquals(port, sluice.port("http"), "not rebound: only the connection limit changed");
        Flood more = closer.add(Flood.idle(sluice.address("http"), 5));
        await("2 more admitted, 3 reset", () -> more.stillOpen() == 2);
        assertEquals(10, open.stillOpen(), "the connections open before the reload stay open");
        assertEquals(3, metric(sluice, "sluice_listener_connections_refused_total{listener=\"http\",limit=\"total-limit\"}"));
    }

    @Test
    void perClientCapResetsOneAddressAndNotAnother() throws Exception {
        RunningSluice sluice = start("max-connections-per-client = 20, request-parse-timeout = 120s", "{ name = http, bind = \"127.0.0.1:0\" }");
        Flood flood = closer.add(Flood.idle(sluice.address("http"), 30));
        await("10 over the per-client cap reset", () -> flood.stillOpen() == 20);
        assertEquals(10, metric(sluice, "sluice_listener_connections_refused_total{listener=\"http\",limit=\"client-limit\"}"));
        assertThrows(IOException.class, () -> get(Http.client(), sluice.uri("http", "/same-address")));
        // another client address on the loopback network is served
        try (Socket other = new Socket()) {
            other.bind(new InetSocketAddress("127.0.0.2", 0));
            other.connect(sluice.address("http"), 5000);
            other.setSoTimeout(10_000);
            other.getOutputStream().write("GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(other.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        }
        flood.close();
        await("the address's places given back", () -> {
            try {
                return get(Http.client(), sluice.uri("http", "/again")) == 200;
            } catch (Exception refused) {
                return false;
            }
        });
    }

    @Test
    void http2StreamsOverTheLimitAreRefusedAndStalledBodiesAreReset() throws Exception {
        RunningSluice sluice = start("http2-max-concurrent-streams = 4, body-idle-timeout = 2s",
                "{ name = http, bind = \"127.0.0.1:0\", h2c = on }");
        int startedBefore = uploadsStarted.get();
        int brokenBefore = uploadsBroken.get();
        int completeBefore = uploadsComplete.get();
        try (RawHttp2.Connection h2 = new RawHttp2.Connection(sluice.address("http"))) {
            RawHttp2.Frame settings = h2.read();
            assertEquals(RawHttp2.Frame.SETTINGS, settings.type());
            assertEquals(4, settings.setting(0x3), "SETTINGS_MAX_CONCURRENT_STREAMS advertised");
            h2.ackSettings();
            for (int stream = 1; stream <= 7; stream += 2) { // four uploads that send 10 bytes of 100, then stop
                h2.headers(stream, "POST", "/upload", Map.of("content-length", "100"), false);
                h2.data(stream, new byte[10], false);
            }
            // Two more over the limit. (No DATA on them: Undertow answers a DATA frame on a client stream
            // the server has reset with GOAWAY PROTOCOL_ERROR, see docs/overload.md.)
            h2.headers(9, "POST", "/upload", Map.of("content-length", "100"), false);
            h2.headers(11, "POST", "/upload", Map.of("content-length", "100"), false);
            Map<Integer, Integer> resets = new HashMap<>();
            while (resets.size() < 6) {
                RawHttp2.Frame frame = h2.read(); // the socket's 20 s read timeout bounds a hang
                if (frame.type() == RawHttp2.Frame.RST_STREAM) {
                    resets.putIfAbsent(frame.stream(), frame.errorCode());
                }
                assertTrue(frame.type() != RawHttp2.Frame.GOAWAY, "the connection itself is not closed: GOAWAY "
                        + (frame.type() == RawHttp2.Frame.GOAWAY ? frame.errorCode() + " " + new String(frame.payload(), 8, frame.payload().length - 8,
                        StandardCharsets.ISO_8859_1) + " after " + resets : ""));
            }
            assertEquals(Map.of(1, 8, 3, 8, 5, 8, 7, 8, 9, 7, 11, 7), resets,
                    "streams 9 and 11 over the limit: REFUSED_STREAM (7); the four stalled uploads: CANCEL (8)");
            h2.headers(13, "GET", "/still-works", Map.of(), true);
            RawHttp2.Frame answer;
            do {
                answer = h2.read();
            } while (answer.stream() != 13);
            assertEquals(RawHttp2.Frame.HEADERS, answer.type(), "the connection serves new streams after the resets");
        }
        await("the backend saw every stalled upload break", () -> uploadsBroken.get() - brokenBefore == uploadsStarted.get() - startedBefore);
        assertEquals(4, uploadsStarted.get() - startedBefore);
        assertEquals(completeBefore, uploadsComplete.get(), "no truncated body reached the backend as complete");
        assertEquals(2, metric(sluice, "sluice_listener_http2_streams_refused_total{listener=\"http\"}"));
        assertEquals(4, metric(sluice, "sluice_request_body_idle_timeouts_total"));
    }

    /** The same limit on HTTP/2 over TLS (ALPN h2), the way browsers speak it, on both engines. */
    @org.junit.jupiter.params.ParameterizedTest(name = "engine = {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"jdk", "openssl"})
    void http2StreamsOverTheLimitAreRefusedOverTls(String engine) throws Exception {
        RunningSluice sluice = start("http2-max-concurrent-streams = 4, body-idle-timeout = 2s",
                "{ name = https, bind = \"127.0.0.1:0\", tls { engine = " + engine + ", self-signed = [localhost] } }");
        try (RawHttp2.Connection h2 = new RawHttp2.Connection(RawHttp2.Connection.tls(sluice.address("https")))) {
            RawHttp2.Frame settings = h2.read();
            assertEquals(RawHttp2.Frame.SETTINGS, settings.type());
            assertEquals(4, settings.setting(0x3), "SETTINGS_MAX_CONCURRENT_STREAMS advertised");
            h2.ackSettings();
            for (int stream = 1; stream <= 11; stream += 2) { // six uploads whose bodies have not come yet
                h2.headers(stream, "POST", "/upload", Map.of("content-length", "100"), false);
            }
            Map<Integer, Integer> resets = new HashMap<>();
            while (resets.size() < 2) {
                RawHttp2.Frame frame = h2.read();
                if (frame.type() == RawHttp2.Frame.RST_STREAM) {
                    resets.putIfAbsent(frame.stream(), frame.errorCode());
                }
            }
            // (Undertow follows each REFUSED_STREAM with a CANCEL for the same stream; the first one counts)
            assertEquals(Map.of(9, 7, 11, 7), resets, "the fifth and sixth streams: REFUSED_STREAM");
        }
        assertEquals(2, metric(sluice, "sluice_listener_http2_streams_refused_total{listener=\"https\"}"));
    }

    @Test
    void stalledHttp1UploadClosesTheConnectionAndBreaksTheBackendUpload() throws Exception {
        RunningSluice sluice = start("body-idle-timeout = 2s", "{ name = http, bind = \"127.0.0.1:0\" }");
        int brokenBefore = uploadsBroken.get();
        int completeBefore = uploadsComplete.get();
        try (Socket socket = new Socket()) {
            socket.connect(sluice.address("http"), 5000);
            socket.setSoTimeout((int) DEADLINE_MILLIS);
            socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100))
                    .getBytes(StandardCharsets.ISO_8859_1));
            try {
                byte[] rest = socket.getInputStream().readAllBytes(); // returns at the close; throws at a reset
                assertEquals("", new String(rest, StandardCharsets.ISO_8859_1), "nothing answered: the connection is closed");
            } catch (java.net.SocketException reset) {
                // closed as well
            }
        }
        await("the backend saw the upload break", () -> uploadsBroken.get() > brokenBefore);
        assertEquals(completeBefore, uploadsComplete.get());
        assertEquals(1, metric(sluice, "sluice_request_body_idle_timeouts_total"));
    }

    @Test
    void clientThatStopsReadingIsDisconnected() throws Exception {
        RunningSluice sluice = start("write-timeout = 2s", "{ name = http, bind = \"127.0.0.1:0\" }");
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(sluice.address("http"), 5000);
            socket.setSoTimeout((int) DEADLINE_MILLIS);
            socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            // Read nothing for three times the write timeout: Sluice's send buffer fills, then it gives up.
            Thread.sleep(6_000);
            long received = 0;
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = socket.getInputStream();
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received += n;
                }
            } catch (java.net.SocketException reset) {
                // cut off
            }
            assertTrue(received < BIG_RESPONSE, "the response was cut off, not delivered whole: " + received + " bytes");
        }
        assertEquals(200, get(Http.client(), sluice.uri("http", "/after")), "others are served");
    }
}
