package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.CurlClient;
import io.sluice.testing.Http;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTP/2 toward clients (ALPN h2 on https), HTTP/1.1 backend behind it. */
class Http2IT {
    private static UndertowBackend backend;
    /** The protocol each backend request arrived with. */
    private static final ConcurrentLinkedQueue<String> backendProtocols = new ConcurrentLinkedQueue<>();
    /** Upgrade / HTTP2-Settings / Connection headers each backend request carried ("-" when absent). */
    private static final ConcurrentLinkedQueue<String> backendUpgradeHeaders = new ConcurrentLinkedQueue<>();

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();
    private RunningSluice sluice;

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(exchange -> {
            backendProtocols.add(exchange.getProtocol().toString());
            backendUpgradeHeaders.add(String.valueOf(exchange.getRequestHeaders().getFirst("Upgrade")) + "/"
                    + exchange.getRequestHeaders().getFirst("HTTP2-Settings"));
            exchange.getResponseSender().send("h2 backend " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
        });
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String engine) throws Exception {
        sluice = closer.add(E2eSupport.httpsAndPlain(dir, engine, backend.port()));
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void jdkClientNegotiatesH2OverTls(String engine) throws Exception {
        start(engine);
        HttpClient client = Http.builder().version(HttpClient.Version.HTTP_2).build();
        backendProtocols.clear();

        HttpResponse<String> get = Http.get(client, sluice.localhostUri("https", "/h2/get"));
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(sluice.localhostUri("https", "/h2/post"))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(HttpClient.Version.HTTP_2, get.version());
        assertEquals(200, get.statusCode());
        assertEquals("h2 backend GET /h2/get", get.body());
        assertEquals(HttpClient.Version.HTTP_2, post.version());
        assertEquals("h2 backend POST /h2/post", post.body());
        // The backend hop stays HTTP/1.1 (member url http://).
        assertEquals("[HTTP/1.1, HTTP/1.1]", backendProtocols.toString());
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void curlNegotiatesH2OverTls(String engine) throws Exception {
        start(engine);
        CurlClient.Result curl = CurlClient.run("-k", "--http2", "-w", "\n%{http_version} %{http_code}",
                "https://localhost:" + sluice.port("https") + "/h2/curl");
        assertEquals(0, curl.exitCode(), curl.toString());
        assertEquals("h2 backend GET /h2/curl\n2 200", curl.stdout());
    }

    @Test
    void plainListenerWithHttp2OnStillServesHttp11Clients() throws Exception {
        start("jdk");
        HttpResponse<String> jdk = Http.get(Http.client(), sluice.uri("plain", "/h1/jdk"));
        assertEquals(HttpClient.Version.HTTP_1_1, jdk.version());
        assertEquals(200, jdk.statusCode());
        assertEquals("h2 backend GET /h1/jdk", jdk.body());

        CurlClient.Result curl = CurlClient.run("--http1.1", "-w", "\n%{http_version} %{http_code}",
                "http://127.0.0.1:" + sluice.port("plain") + "/h1/curl");
        assertEquals(0, curl.exitCode(), curl.toString());
        assertEquals("h2 backend GET /h1/curl\n1.1 200", curl.stdout());

        // An h2 client on the https listener at the same time does not change that.
        HttpResponse<String> h2 = Http.get(Http.builder().version(HttpClient.Version.HTTP_2).build(),
                sluice.localhostUri("https", "/h2/alongside"));
        assertEquals(HttpClient.Version.HTTP_2, h2.version());
    }

    /** h2c: curl --http2 on plain http sends "Upgrade: h2c"; Undertow upgrades (the listener says h2c = on). */
    @Test
    void plainListenerUpgradesH2cWhenAsked() throws Exception {
        start("jdk");
        backendProtocols.clear();
        backendUpgradeHeaders.clear();
        CurlClient.Result curl = CurlClient.run("-v", "--http2", "-w", "\n%{http_version} %{http_code}",
                "http://127.0.0.1:" + sluice.port("plain") + "/h2c");
        assertEquals(0, curl.exitCode(), curl.toString());
        assertEquals("h2 backend GET /h2c\n2 200", curl.stdout());
        // Upgrade: h2c and HTTP2-Settings are hop-by-hop: they must not reach the backend as a second upgrade.
        assertEquals("[HTTP/1.1]", backendProtocols.toString());
        assertEquals("[null/null]", backendUpgradeHeaders.toString());
        assertTrue(curl.stderr().contains("Upgrade: h2c"), curl.toString());
        assertTrue(curl.stderr().contains("HTTP/1.1 101"), "the listener switched to h2c: " + curl);
    }

    /**
     * h2c is off unless a listener opts in: an Upgrade: h2c request is answered as HTTP/1.1 (no
     * 101, so nothing can be smuggled inside an upgraded connection past a front proxy), and a
     * client starting with the HTTP/2 preface gets no HTTP/2 connection.
     */
    @Test
    void plainListenerRefusesH2cByDefault() throws Exception {
        sluice = closer.add(RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = plain, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                }
                """.formatted(backend.port())));
        backendUpgradeHeaders.clear();
        CurlClient.Result upgrade = CurlClient.run("-v", "--http2", "-w", "\n%{http_version} %{http_code}",
                "http://127.0.0.1:" + sluice.port("plain") + "/no-h2c");
        assertEquals(0, upgrade.exitCode(), upgrade.toString());
        assertEquals("h2 backend GET /no-h2c\n1.1 200", upgrade.stdout());
        assertFalse(upgrade.stderr().contains("HTTP/1.1 101"), "no switch to h2c: " + upgrade);
        assertEquals("[null/null]", backendUpgradeHeaders.toString());
        CurlClient.Result prior = CurlClient.run("--http2-prior-knowledge", "-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "http://127.0.0.1:" + sluice.port("plain") + "/prior");
        assertFalse(prior.stdout().startsWith("2 "), "no HTTP/2 by prior knowledge: " + prior);
    }
}
