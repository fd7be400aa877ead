package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RawHttp2;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.WireHttp;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strict parsing over real sockets against a real Sluice and a real backend: every
 * malformed or ambiguous request is refused (HTTP/1.1: 400 and the connection closed;
 * HTTP/2: the stream refused), the backend never sees it, and the refusal is counted in
 * /metrics by reason. Well-formed requests around them, on the same keep-alive connection,
 * still pass.
 */
class StrictParsingIT {
    @TempDir
    static Path dir;
    static MockWebServer backend;
    static RunningSluice sluice;

    @BeforeAll
    static void start() throws Exception {
        backend = new MockWebServer();
        backend.start(InetAddress.getLoopbackAddress(), 0);
        sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [
                    { name = plain, bind = "127.0.0.1:0", h2c = on }
                    { name = named, bind = "127.0.0.1:0", h2c = on, server-names = [sso.example.com, "*.example.org", "127.0.0.1"] }
                    { name = tls, bind = "127.0.0.1:0", tls { self-signed = [localhost] } }
                  ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                  admin { bind = "127.0.0.1:0", open-read = on }
                }
                """.formatted(backend.getPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        sluice.close();
        backend.close();
    }

    @BeforeEach
    void drainAndAnswer() throws Exception {
        while (backend.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
            // requests of earlier tests
        }
        for (int i = 0; i < 8; i++) {
            backend.enqueue(new MockResponse.Builder().body("ok").build());
        }
    }

    private static List<RecordedRequest> backendRequests() throws Exception {
        List<RecordedRequest> requests = new ArrayList<>();
        RecordedRequest request;
        while ((request = backend.takeRequest(300, TimeUnit.MILLISECONDS)) != null) {
            requests.add(request);
        }
        return requests;
    }

    private static List<String> backendTargets() throws Exception {
        return backendRequests().stream().map(RecordedRequest::getTarget).toList();
    }

    /** Sends the bytes exactly (no Connection: close) and reads until the server closes. */
    private static String sendRaw(String listener, String bytes) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(sluice.address(listener), 5000);
            socket.setSoTimeout(10_000); // a server that keeps the connection open fails the test here
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(response);
            return response.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static double refused(String listener, String reason) throws Exception {
        URI metrics = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
        String text = Http.get(Http.client(), metrics).body();
        return MetricsIT.value(text, "sluice_listener_requests_refused_total{listener=\"" + listener + "\",reason=\"" + reason + "\"}");
    }

    static Stream<Arguments> badHttp1Requests() {
        return Stream.of(
            // what the conduit refuses that Undertow's parser accepted
            Arguments.of("obs-fold", "GET /bad-fold HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"),
            Arguments.of("obs-fold", "GET /bad-fold-tab HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n"),
            Arguments.of("framing", "POST /bad-te-gzip HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc"),
            Arguments.of("framing", "POST /bad-te-list HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
            Arguments.of("framing", "POST /bad-te-http10 HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            Arguments.of("framing", "POST /bad-cl-sign HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc"),
            // what Undertow's parser refuses too, now counted by reason
            Arguments.of("bare-lf", "GET /bad-lf HTTP/1.1\nHost: x\n\n"),
            Arguments.of("bare-lf", "GET /bad-lf-header HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n"),
            Arguments.of("bare-lf", "GET /bad-cr HTTP/1.1\r\nHost: x\rX-A: a\r\n\r\n"),
            Arguments.of("control-char", "GET /bad-nul HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"),
            Arguments.of("control-char", "GET /bad-ctl HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n"),
            Arguments.of("control-char", "GET /bad-del HTTP/1.1\r\nHost: x\r\nX-A: a\u007fb\r\n\r\n"),
            Arguments.of("header-name", "GET /bad-name-space HTTP/1.1\r\nHost: x\r\nX A: a\r\n\r\n"),
            Arguments.of("header-name", "GET /bad-name-ws-colon HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n"),
            Arguments.of("header-name", "GET /bad-name-quote HTTP/1.1\r\nHost: x\r\nX\"A: a\r\n\r\n"),
            Arguments.of("framing", "POST /bad-cl-te HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            Arguments.of("framing", "POST /bad-cl-twice HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
            Arguments.of("framing", "POST /bad-cl-list HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc"),
            Arguments.of("framing", "POST /bad-te-twice HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0} [{index}]")
    @MethodSource("badHttp1Requests")
    void http1RequestIsRefusedWith400AndTheConnectionClosed(String reason, String request) throws Exception {
        double before = refused("plain", reason);
        String response = sendRaw("plain", request);
        assertTrue(response.startsWith("HTTP/1.1 400 "), response);
        assertEquals(List.of(), backendTargets());
        assertEquals(before + 1, refused("plain", reason));
    }

    @Test
    void wellFormedRequestsKeepTheirConnectionAndTheFramingIsFollowed() throws Exception {
        // bodies holding what would be an obs-fold or a request line in a head
        String fixed = "a\r\n b\r\nGET /smuggled HTTP/1.1\r\n";
        String chunkData = "x\r\n\tz";
        try (Socket socket = new Socket()) {
            socket.connect(sluice.address("plain"), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /ok-fixed HTTP/1.1\r\nHost: x\r\nContent-Length: " + fixed.length() + "\r\nX-Tab: a\tb\r\nX-Empty:\r\n\r\n" + fixed)
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(200, WireHttp.readResponse(in).status());
            out.write(("POST /ok-chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                    + Integer.toHexString(chunkData.length()) + ";ext=1\r\n" + chunkData + "\r\n0\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(200, WireHttp.readResponse(in).status());
            out.write("GET /ok-after HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(200, WireHttp.readResponse(in).status());
            out.write("GET /bad-fold-late HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            WireHttp.Response refused = WireHttp.readResponse(in);
            assertEquals(400, refused.status());
            assertEquals(-1, in.read(), "the connection is closed after the refusal");
        }
        List<RecordedRequest> requests = backendRequests();
        assertEquals(List.of("/ok-fixed", "/ok-chunked", "/ok-after"), requests.stream().map(RecordedRequest::getTarget).toList());
        assertEquals(fixed, requests.get(0).getBody().utf8());
        assertEquals(chunkData, requests.get(1).getBody().utf8());
        assertEquals("a\tb", requests.get(0).getHeaders().get("X-Tab"));
    }

    @Test
    void overTlsTheDecryptedHeadIsCheckedAndH2StillNegotiates() throws Exception {
        double before = refused("tls", "obs-fold");
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) Http.trustingContext().getSocketFactory()
                .createSocket("127.0.0.1", sluice.port("tls"))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET /ok-tls HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(200, WireHttp.readResponse(in).status());
            out.write("GET /bad-tls-fold HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(400, WireHttp.readResponse(in).status());
            assertEquals(-1, in.read(), "the connection is closed after the refusal");
        }
        assertEquals(List.of("/ok-tls"), backendTargets());
        assertEquals(before + 1, refused("tls", "obs-fold"));
        // ALPN h2: the HTTP/2 preface passes the HTTP/1.x scanner untouched
        java.net.http.HttpResponse<String> h2 = Http.get(Http.builder().version(java.net.http.HttpClient.Version.HTTP_2).build(), URI.create("https://localhost:" + sluice.port("tls") + "/ok-tls-h2"));
        assertEquals(200, h2.statusCode());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, h2.version());
        assertEquals(List.of("/ok-tls-h2"), backendTargets());
    }

    @Test
    void bareLfInChunkFramingAbortsTheUpload() throws Exception {
        double before = refused("plain", "bare-lf");
        String response = sendRaw("plain", "POST /bad-chunk-lf HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n");
        assertTrue(!response.startsWith("HTTP/1.1 2"), response);
        for (RecordedRequest request : backendRequests()) {
            // the head may have been forwarded before the body; the body never completes
            assertNotEquals("abc", request.getBody() == null ? null : request.getBody().utf8(), request.toString());
        }
        assertEquals(before + 1, refused("plain", "bare-lf"));
    }

    @Test
    void http2FieldNameWithAColonIsRefused() throws Exception {
        double before = refused("plain", "header-name");
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/bad-h2-colon", Map.of("x-real-ip:1.2.3.4", ""));
        assertEquals(400, status);
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/bad")));
        assertEquals(before + 1, refused("plain", "header-name"));
    }

    static Stream<Arguments> badHttp2Fields() {
        return Stream.of(
            Arguments.of("connection-header", "keep-alive", "5"),
            Arguments.of("connection-header", "proxy-connection", "keep-alive"),
            Arguments.of("connection-header", "upgrade", "websocket"),
            Arguments.of("header-whitespace", "x-a", " leading"),
            Arguments.of("header-whitespace", "x-a", "trailing\t"),
            Arguments.of("control-char", "x-a", "a\u0001b"),
            Arguments.of("control-char", "x-a", "a\u007fb"),
            Arguments.of("control-char", "x-request-id", "a\r\nforged"));
    }

    @ParameterizedTest(name = "{0}: {1} [{index}]")
    @MethodSource("badHttp2Fields")
    void http2MalformedFieldIsRefused(String reason, String name, String value) throws Exception {
        double before = refused("plain", reason);
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/bad-h2", Map.of(name, value));
        assertEquals(400, status);
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/bad")));
        assertEquals(before + 1, refused("plain", reason));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "uppercase name|X-Upper|v",
        "connection|connection|close",
        "te other than trailers|te|gzip",
        "name with a space|x a|v",
    })
    void http2FieldsUndertowResetsItself(String what, String name, String value) throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/bad-h2-reset", Map.of(name, value));
        assertEquals(-1, status, what + ": RST_STREAM");
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/bad")));
    }

    @Test
    void http2TransferEncodingNeverReachesTheBackend() throws Exception {
        int status;
        try {
            status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/bad-h2-te", Map.of("transfer-encoding", "chunked"));
        } catch (java.io.IOException closed) {
            status = -2; // Undertow answers with GOAWAY and closes the connection
        }
        assertTrue(status < 0 || status == 400, "status " + status);
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/bad")));
    }

    @Test
    void http2WellFormedRequestPasses() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/ok-h2",
                Map.of("x-a", "inner space\tand tab", "te", "trailers", "user-agent", "raw/1"));
        assertEquals(200, status);
        RecordedRequest request = backendRequests().stream().filter(r -> r.getTarget().equals("/ok-h2")).findFirst().orElseThrow();
        assertEquals("inner space\tand tab", request.getHeaders().get("x-a"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"user@x", "x/y", "x y", "x:port", "x:99999", "[::1", "x?y"})
    void http2AuthorityMustBeAnAuthority(String authority) throws Exception {
        double before = refused("plain", "invalid-host");
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/bad-authority", authority, Map.of());
        assertTrue(status == 400 || status == -1, authority + " -> " + status); // -1: Undertow's own character check
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/bad")));
        if (status == 400) {
            assertEquals(before + 1, refused("plain", "invalid-host"));
        }
    }

    @Test
    void http2WithoutAuthorityIsRefused() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/bad-no-authority", null, Map.of());
        assertEquals(400, status);
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/bad")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"sso.example.com", "SSO.Example.COM:8443", "sso.example.com.", "a.example.org", "a.b.example.org",
        "127.0.0.1"})
    void serverNamesLetTheirHostsThrough(String host) throws Exception {
        WireHttp.Response response = WireHttp.get(sluice.port("named"), "/ok-named", "Host: " + host, "Connection: close");
        assertEquals(200, response.status(), host);
        assertEquals(List.of("/ok-named"), backendTargets());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"evil.example", "example.org", "sso.example.com.evil", "xsso.example.com", "127.0.0.2"})
    void otherHostsAreMisdirected(String host) throws Exception {
        double before = refused("named", "misdirected");
        WireHttp.Response response = WireHttp.get(sluice.port("named"), "/bad-misdirected", "Host: " + host, "Connection: close");
        assertEquals(421, response.status(), host);
        assertEquals(List.of(), backendTargets());
        assertEquals(before + 1, refused("named", "misdirected"));
    }

    @Test
    void http2AuthorityIsCheckedAgainstServerNames() throws Exception {
        assertEquals(421, RawHttp2.request(sluice.address("named"), "GET", "http", "/bad-h2-misdirected", "evil.example", Map.of()));
        assertEquals(200, RawHttp2.request(sluice.address("named"), "GET", "http", "/ok-h2-named", "sso.example.com", Map.of()));
        List<String> targets = backendTargets();
        assertTrue(targets.contains("/ok-h2-named"), targets.toString());
        assertTrue(targets.stream().noneMatch(target -> target.startsWith("/bad")), targets.toString());
    }

    @Test
    void withoutServerNamesAnyValidHostIsServed() throws Exception {
        WireHttp.Response response = WireHttp.get(sluice.port("plain"), "/ok-any-host", "Host: anything.example:8080", "Connection: close");
        assertEquals(200, response.status());
        assertEquals(List.of("/ok-any-host"), backendTargets());
    }

    @Test
    void hostWithUserInfoOrPathIsRefusedByUndertowOverHttp1() throws Exception {
        for (String host : List.of("user@x", "x/y", "x:y")) {
            String response = sendRaw("plain", "GET /bad-host HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 400 "), host + ": " + response);
        }
        assertEquals(List.of(), backendTargets());
    }

}
