package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RecordingBackend;
import io.sluice.testing.RecordingBackend.Answer;
import io.sluice.testing.RecordingBackend.HangUp;
import io.sluice.testing.RecordingBackend.Request;
import io.sluice.testing.RecordingBackend.Silent;
import io.sluice.testing.RecordingBackend.SwitchProtocols;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.WireHttp;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retry policy against members that fail at the worst moment: a request is tried
 * again only when it can be replayed whole and cannot be applied twice, after the failures
 * retry-on names, and a pool's limits answer 503 at once. Backends are raw sockets that
 * record every request they read, so each assertion is about what members really received.
 */
class RetryIT {
    @TempDir
    Path dir;

    private static String config(String poolBody, RecordingBackend... members) {
        StringBuilder list = new StringBuilder();
        for (RecordingBackend member : members) {
            list.append(list.length() == 0 ? "" : ", ").append("{ url = \"").append(member.url()).append("\" }");
        }
        return """
                sluice {
                  io-threads = 1
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ %s ], %s } }
                  admin { bind = "127.0.0.1:0", open-read = on }
                }
                """.formatted(list, poolBody);
    }

    private static double metric(RunningSluice sluice, String series) throws Exception {
        URI metrics = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
        return MetricsIT.value(Http.get(Http.client(), metrics).body(), series);
    }

    private static byte[] body(int size) {
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        return body;
    }

    private static byte[] chunked(byte[] body, int chunk) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < body.length; i += chunk) {
            int n = Math.min(chunk, body.length - i);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static List<Request> all(String method, RecordingBackend... backends) {
        return Stream.of(backends).flatMap(backend -> backend.requests(method).stream()).toList();
    }

    /** Members that read every request with a body whole and then hang up without answering. */
    private static RecordingBackend hangingUpOnBodies() throws Exception {
        return RecordingBackend.start((request, connection, n) ->
                request.method().equals("GET") ? new Answer("warm", 0) : new HangUp());
    }

    @Test
    void aBodyReadByAMemberThatThenHangsUpIsNeverSentAgainEmptyOrTruncated() throws Exception {
        try (RecordingBackend a = hangingUpOnBodies(); RecordingBackend b = hangingUpOnBodies();
             RunningSluice sluice = RunningSluice.start(dir, config("retries = 3", a, b))) {
            int port = sluice.port("http");
            // kept-alive connections to both members first: the PUT goes down a reused one
            assertEquals(200, WireHttp.get(port, "/warm", "Host: app").status());
            assertEquals(200, WireHttp.get(port, "/warm", "Host: app").status());
            byte[] body = body(100_000);

            WireHttp.Response fixed = WireHttp.exchange(port, List.of("PUT /fixed HTTP/1.1", "Host: app",
                    "Content-Length: " + body.length), body);
            assertEquals(502, fixed.status(), fixed.toString());
            WireHttp.Response chunked = WireHttp.exchange(port, List.of("PUT /chunked HTTP/1.1", "Host: app",
                    "Transfer-Encoding: chunked"), chunked(body, 7_000));
            assertEquals(502, chunked.status(), chunked.toString());

            List<Request> puts = all("PUT", a, b);
            assertEquals(List.of("/fixed", "/chunked"), puts.stream().map(Request::path).toList(), "each PUT reached one member once");
            for (Request put : puts) {
                assertTrue(put.complete(), put.path() + " arrived whole");
                assertArrayEquals(body, put.body(), put.path() + " carried the client's body");
            }
            assertEquals(2, metric(sluice, "sluice_pool_attempt_failures_total{pool=\"app\",cause=\"empty-response\"}"));
            assertEquals(0, metric(sluice, "sluice_pool_retries_total{pool=\"app\",cause=\"empty-response\"}"));
        }
    }

    @Test
    void aPostIsNeverDeliveredTwice() throws Exception {
        try (RecordingBackend a = hangingUpOnBodies(); RecordingBackend b = hangingUpOnBodies();
             RunningSluice sluice = RunningSluice.start(dir, config("retries = 3", a, b))) {
            int port = sluice.port("http");
            byte[] body = "amount=100".getBytes(StandardCharsets.ISO_8859_1);
            WireHttp.Response withBody = WireHttp.exchange(port, List.of("POST /pay HTTP/1.1", "Host: app",
                    "Content-Length: " + body.length), body);
            assertEquals(502, withBody.status());
            WireHttp.Response empty = WireHttp.exchange(port, List.of("POST /ping HTTP/1.1", "Host: app", "Content-Length: 0"), null);
            assertEquals(502, empty.status());
            assertEquals(List.of("/pay", "/ping"), all("POST", a, b).stream().map(Request::path).toList());
        }
    }

    @Test
    void aGetOnAStaleKeptAliveConnectionIsRetriedAndSucceeds() throws Exception {
        // the member closes a kept-alive connection just as the next request arrives on it
        try (RecordingBackend member = RecordingBackend.start((request, connection, n) ->
                n == 0 ? new Answer("fresh connection " + connection, 0) : new HangUp());
             RunningSluice sluice = RunningSluice.start(dir, config("retries = 1", member))) {
            HttpClient client = Http.client();
            HttpResponse<String> first = Http.get(client, sluice.uri("http", "/one"));
            assertEquals("fresh connection 0", first.body());
            HttpResponse<String> second = Http.get(client, sluice.uri("http", "/two"));
            assertEquals(200, second.statusCode(), second.body());
            assertEquals("fresh connection 1", second.body());
            assertEquals(List.of("/one", "/two", "/two"), member.requests().stream().map(Request::path).toList());
            assertEquals(1, metric(sluice, "sluice_pool_retries_total{pool=\"app\",cause=\"empty-response\"}"));
        }
    }

    @Test
    void aRouteCanTurnRetriesOff() throws Exception {
        try (RecordingBackend member = RecordingBackend.start((request, connection, n) ->
                n == 0 ? new Answer("fresh", 0) : new HangUp());
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       io-threads = 1
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       routes = [ { prefix = "/", pool = app }, { prefix = "/once/", pool = app, retry-on = [] } ]
                       pools { app { members = [ { url = "%s" } ] } }
                     }
                     """.formatted(member.url()))) {
            HttpClient client = Http.client();
            assertEquals(200, Http.get(client, sluice.uri("http", "/warm")).statusCode());
            assertEquals(502, Http.get(client, sluice.uri("http", "/once/x")).statusCode());
            assertEquals(1, member.requests().stream().filter(r -> r.path().equals("/once/x")).count());
        }
    }

    /** A member that never answers /slow paths, beside one that answers everything. */
    private static RecordingBackend silentMember() throws Exception {
        return RecordingBackend.start((request, connection, n) -> new Silent());
    }

    @Test
    void aResponseTimeoutIsNotRetriedByDefaultAndEjectsTheMember() throws Exception {
        try (RecordingBackend silent = silentMember(); RecordingBackend answering = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, config("response-timeout = 1s, problem-retry = 60s", silent, answering))) {
            HttpClient client = Http.client();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                statuses.add(Http.get(client, sluice.uri("http", "/t" + i)).statusCode());
            }
            assertEquals(1, statuses.stream().filter(s -> s == 504).count(), statuses.toString());
            Request timedOut = silent.requests().get(0);
            assertTrue(answering.requests().stream().noneMatch(r -> r.path().equals(timedOut.path())), "not sent to a second member");
            for (int i = 0; i < 4; i++) {
                assertEquals(200, Http.get(client, sluice.uri("http", "/after" + i)).statusCode(), "the silent member is ejected");
            }
            assertEquals(1, silent.requests().size());
            assertEquals(1, metric(sluice, "sluice_pool_attempt_failures_total{pool=\"app\",cause=\"response-timeout\"}"));
            assertEquals(0, metric(sluice, "sluice_pool_retries_total{pool=\"app\",cause=\"response-timeout\"}"));
        }
    }

    @Test
    void aResponseTimeoutIsRetriedWhenRetryOnNamesIt() throws Exception {
        try (RecordingBackend silent = silentMember(); RecordingBackend answering = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, config(
                     "response-timeout = 1s, retry-on = [connect-failure, response-timeout]", silent, answering))) {
            HttpClient client = Http.client();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> response = Http.get(client, sluice.uri("http", "/t" + i));
                assertEquals(200, response.statusCode());
            }
            Request timedOut = silent.requests().get(0);
            assertTrue(answering.requests().stream().anyMatch(r -> r.path().equals(timedOut.path())), "retried on the other member");
            assertEquals(1, metric(sluice, "sluice_pool_retries_total{pool=\"app\",cause=\"response-timeout\"}"));
        }
    }

    @Test
    void aConnectFailureIsRetriedForAnyMethodAndBody() throws Exception {
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             RecordingBackend answering = RecordingBackend.answering("ok")) {
            String deadUrl = "http://127.0.0.1:" + closed.getLocalPort();
            closed.close(); // nothing listens there: connection refused
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      io-threads = 1
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [ { prefix = "/", pool = app } ]
                      pools { app { members = [ { url = "%s" }, { url = "%s" } ], method = least-busy } }
                    }
                    """.formatted(deadUrl, answering.url()))) {
                byte[] body = body(50_000);
                for (int i = 0; i < 4; i++) {
                    WireHttp.Response response = WireHttp.exchange(sluice.port("http"), List.of("POST /p" + i + " HTTP/1.1",
                            "Host: app", "Content-Length: " + body.length), body);
                    assertEquals(200, response.status(), response.toString());
                }
                List<Request> posts = answering.requests("POST");
                assertEquals(4, posts.size());
                posts.forEach(post -> assertArrayEquals(body, post.body()));
            }
        }
    }

    @Test
    void upgradesCountAgainstTheMembersMaxConnections() throws Exception {
        try (RecordingBackend member = RecordingBackend.start((request, connection, n) -> new SwitchProtocols());
             RunningSluice sluice = RunningSluice.start(dir, config("max-connections = 1", member))) {
            int port = sluice.port("http");
            try (Socket first = upgrade(port)) {
                assertTrue(statusLine(first).startsWith("HTTP/1.1 101"));
                try (Socket second = upgrade(port)) {
                    String refused = head(second);
                    assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
                    assertTrue(refused.toLowerCase(java.util.Locale.ROOT).contains("retry-after:"), refused);
                }
            }
            assertEquals(1, metric(sluice, "sluice_pool_overflows_total{pool=\"app\",limit=\"max-connections\"}"));
            // the first tunnel's backend connection closes with it, and its place is free again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String status = "";
            while (System.nanoTime() < deadline && !status.startsWith("HTTP/1.1 101")) {
                try (Socket again = upgrade(port)) {
                    status = statusLine(again);
                }
                Thread.sleep(50);
            }
            assertTrue(status.startsWith("HTTP/1.1 101"), status);
        }
    }

    @Test
    void requestsBeyondMaxPendingGet503AtOnce() throws Exception {
        try (RecordingBackend member = RecordingBackend.start((request, connection, n) ->
                new Answer("done " + request.path(), request.path().equals("/hold") ? 3000 : 0));
             RunningSluice sluice = RunningSluice.start(dir, config(
                     "connections-per-thread = 1, cached-connections-per-thread = 1, max-pending = 1", member))) {
            HttpClient client = Http.client();
            CompletableFuture<HttpResponse<String>> hold = client.sendAsync(
                    HttpRequest.newBuilder(sluice.uri("http", "/hold")).build(), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (member.requests().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, member.requests().size(), "/hold occupies the member's only connection");
            List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
            for (String path : List.of("/q1", "/q2")) {
                waiting.add(client.sendAsync(HttpRequest.newBuilder(sluice.uri("http", path)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> future : waiting) {
                answers.add(future.get(20, TimeUnit.SECONDS));
            }
            List<Integer> statuses = answers.stream().map(HttpResponse::statusCode).sorted().toList();
            assertEquals(List.of(200, 503), statuses, "one waits in the queue, the other is refused");
            HttpResponse<String> refused = answers.stream().filter(r -> r.statusCode() == 503).findFirst().orElseThrow();
            assertNotNull(refused.headers().firstValue("Retry-After").orElse(null));
            assertEquals(200, hold.get(20, TimeUnit.SECONDS).statusCode());
            assertEquals(1, metric(sluice, "sluice_pool_overflows_total{pool=\"app\",limit=\"max-pending\"}"));
        }
    }

    @Test
    void aMembersOwn503IsRetriedOnlyWhenRetryOnNamesItAndOnlyForReplayableRequests() throws Exception {
        try (RecordingBackend starting = RecordingBackend.start((request, connection, n) -> new Answer(503, "starting", 0));
             RecordingBackend ready = RecordingBackend.answering("ready");
             RunningSluice sluice = RunningSluice.start(dir, config("retry-on = [connect-failure, empty-response, 503]", starting, ready))) {
            int port = sluice.port("http");
            for (int i = 0; i < 4; i++) {
                WireHttp.Response response = WireHttp.get(port, "/get" + i, "Host: app");
                assertEquals(200, response.status(), response.toString());
                assertEquals("ready", response.bodyText());
            }
            assertTrue(starting.requests().size() >= 1, "the starting member was asked and its 503s dropped");
            assertEquals(starting.requests().size(), metric(sluice, "sluice_pool_retries_total{pool=\"app\",cause=\"503\"}"));
            // a POST is never sent twice: the member's own 503 reaches the client
            int posts = 0;
            for (int i = 0; i < 4; i++) {
                WireHttp.Response post = WireHttp.exchange(port, List.of("POST /p" + i + " HTTP/1.1", "Host: app", "Content-Length: 1"),
                        new byte[] {'x'});
                posts += post.status() == 503 ? 1 : 0;
            }
            assertEquals(starting.requests("POST").size(), posts, "every POST the starting member got, its client got the 503 of");
            assertEquals(4, all("POST", starting, ready).size(), "each POST delivered once");
        }
    }

    @Test
    void aMembersOwn503PassesThroughByDefault() throws Exception {
        try (RecordingBackend starting = RecordingBackend.start((request, connection, n) -> new Answer(503, "starting", 0));
             RecordingBackend ready = RecordingBackend.answering("ready");
             RunningSluice sluice = RunningSluice.start(dir, config("retries = 1", starting, ready))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                statuses.add(WireHttp.get(sluice.port("http"), "/get" + i, "Host: app").status());
            }
            assertEquals(2, statuses.stream().filter(s -> s == 503).count(), statuses.toString());
        }
    }

    private static Socket upgrade(int port) throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String statusLine(Socket socket) throws Exception {
        return head(socket).lines().findFirst().orElse("");
    }

    /** The response head, up to the blank line. */
    private static String head(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString();
    }
}
