package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Closer;
import io.sluice.testing.CurlClient;
import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.UndertowBackend;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import javax.management.ObjectName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-listener TLS handshake counters in /metrics, on both engines, driven by real clients: completed
 * handshakes of fresh connections, failed and abandoned ones, HTTP/2 still negotiated through the
 * counting engine (with one certificate, and with several behind the SNI engine), and counting that
 * goes on into the same series after a reload renews the certificate.
 */
class TlsMetricsIT {
    private static final String HANDSHAKES = "sluice_listener_tls_handshakes_total{listener=\"https\"}";
    private static final String FAILURES = "sluice_listener_tls_handshake_failures_total{listener=\"https\"}";

    private static UndertowBackend backend;

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(exchange -> exchange.getResponseSender().send("backend saw " + exchange.getRequestURI()));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private String config(String tls) {
        return E2eSupport.config("{ name = https, bind = \"127.0.0.1:0\", tls { " + tls + " } }",
                "admin { bind = \"127.0.0.1:0\", open-read = on }", "", "http://127.0.0.1:" + backend.port());
    }

    @ParameterizedTest(name = "engine = {0}, {1} certificate(s)")
    @CsvSource({"openssl, 1", "openssl, 2", "jdk, 1", "jdk, 2"})
    void handshakesAndFailuresAreCountedOncePerConnection(String engine, int certificates) throws Exception {
        TestCertificates.PemFiles localhost = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        String tls = certificates == 1 ? localhost.hocon()
                : "certificates = [ { " + localhost.hocon() + " }, { " + TestCertificates.write(dir, "RSA", "other.test").hocon() + " } ]";
        RunningSluice sluice = closer.add(RunningSluice.start(dir, config("engine = " + engine + ", " + tls)));
        assertTrue(E2eSupport.listenerDescription(sluice, "https").contains("TLS engine " + engine + " "));
        int port = sluice.port("https");
        String url = "https://localhost:" + port;
        String resolve = "localhost:" + port + ":127.0.0.1";

        String before = metrics(sluice);
        assertTrue(before.contains(HANDSHAKES + " 0"), "the series exist from the start:\n" + before);
        assertTrue(before.contains(FAILURES + " 0"), before);

        // A TCP connection that sends nothing (a port probe, a TCP health check) is no handshake at all.
        new Socket("127.0.0.1", port).close();

        // Seven successful handshakes, each on a fresh connection: five requests (curl is one process per
        // connection, the JDK client a new one; two of them negotiate HTTP/2 through the counting engine),
        // and two clients that finish the handshake (TLS 1.3, TLS 1.2) and hang up without a request.
        for (int i = 0; i < 3; i++) {
            CurlClient.Result curl = CurlClient.run("-k", "--http1.1", "--resolve", resolve, "-w", "\n%{http_version}",
                    url + "/h1/" + i);
            assertEquals(0, curl.exitCode(), curl.toString());
            assertEquals("backend saw /h1/" + i + "\n1.1", curl.stdout());
        }
        CurlClient.Result h2 = CurlClient.run("-k", "--http2", "--resolve", resolve, "-w", "\n%{http_version}", url + "/h2/curl");
        assertEquals(0, h2.exitCode(), h2.toString());
        assertEquals("backend saw /h2/curl\n2", h2.stdout(), "curl negotiated h2 over ALPN");
        HttpResponse<String> jdk = Http.get(Http.builder().version(HttpClient.Version.HTTP_2).build(),
                sluice.localhostUri("https", "/h2/jdk"));
        assertEquals(HttpClient.Version.HTTP_2, jdk.version(), "the JDK client negotiated h2 over ALPN");
        assertEquals("backend saw /h2/jdk", jdk.body());
        assertEquals("TLSv1.3", handshakeOnly(port, "TLSv1.3"));
        assertEquals("TLSv1.2", handshakeOnly(port, "TLSv1.2"));

        String afterSuccess = awaitMetrics(sluice, text -> value(text, HANDSHAKES) >= 7);
        assertEquals(7, value(afterSuccess, HANDSHAKES), "one handshake per fresh connection:\n" + afterSuccess);
        assertEquals(0, value(afterSuccess, FAILURES), afterSuccess);

        // Four failures, one per connection:
        // a client offering only TLS 1.1, which the listener does not enable (as in TlsIT);
        CurlClient.Result tls11 = CurlClient.run("-k", "--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0",
                "--resolve", resolve, url + "/tls11");
        assertEquals(35, tls11.exitCode(), tls11.toString());
        // a client that rejects the self-signed certificate (curl without -k) and says so with an alert;
        CurlClient.Result untrusted = CurlClient.run("--resolve", resolve, url + "/untrusted");
        assertEquals(60, untrusted.exitCode(), untrusted.toString());
        // plain HTTP sent to the https port: refused at once, or, behind Undertow's SNI engine (OpenSSL with
        // several certificates), which waits for the rest of what it takes for an 8 KiB record, left by a client giving up;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            readUntilClosedOrGiveUp(socket);
        }
        // and a client that sends its ClientHello, sees the server answer, and hangs up.
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            byte[] clientHello = clientHello(port);
            socket.getOutputStream().write(clientHello);
            assertTrue(socket.getInputStream().read() >= 0, "the server answered the ClientHello");
        }

        String after = awaitMetrics(sluice, text -> value(text, FAILURES) >= 4);
        assertEquals(4, value(after, FAILURES), "one failure per failed connection, none for the probe:\n" + after);
        assertEquals(7, value(after, HANDSHAKES), after);
        MetricsIT.promtoolAccepts(after);

        // The same counters are MBeans.
        Set<ObjectName> beans = ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("sluice:*"), null);
        assertTrue(beans.stream().anyMatch(name -> name.toString().contains("sluice.listener.https.tls-handshakes")), beans.toString());
        assertTrue(beans.stream().anyMatch(name -> name.toString().contains("sluice.listener.https.tls-handshake-failures")),
                beans.toString());
    }

    /** A reload that renews the certificate swaps the listener's TLS context; its counters carry on. */
    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void countingGoesOnAcrossAReloadThatRenewsTheCertificate(String engine) throws Exception {
        TestCertificates.PemFiles first = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        TestCertificates.PemFiles renewed = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1", "renewed.test");
        RunningSluice sluice = closer.add(RunningSluice.start(dir, config("engine = " + engine + ", " + first.hocon())));
        int port = sluice.port("https");

        assertEquals(first.material().leaf(), servedOverHttps(sluice));
        assertEquals(1, value(awaitMetrics(sluice, text -> value(text, HANDSHAKES) >= 1), HANDSHAKES));

        assertTrue(sluice.reload(config("engine = " + engine + ", " + renewed.hocon())).applied());
        assertEquals(port, sluice.port("https"), "the listener was kept, not rebound");
        assertEquals(renewed.material().leaf(), servedOverHttps(sluice), "the new context serves");
        assertEquals(renewed.material().leaf(), servedOverHttps(sluice));

        String after = awaitMetrics(sluice, text -> value(text, HANDSHAKES) >= 3);
        assertEquals(3, value(after, HANDSHAKES), after);
        assertEquals(0, value(after, FAILURES), after);
    }

    /** One request on a new client (so a new connection); the certificate it was served. */
    private static java.security.cert.Certificate servedOverHttps(RunningSluice sluice) throws Exception {
        HttpResponse<String> response = Http.get(Http.client(), sluice.localhostUri("https", "/served"));
        assertEquals(200, response.statusCode());
        return response.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    /** A client that completes a handshake in this protocol version and closes without a request; the version agreed. */
    private static String handshakeOnly(int port, String protocol) throws Exception {
        try (SSLSocket socket = (SSLSocket) Http.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {protocol});
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    /** The first TLS record a JDK client sends to this port: its ClientHello. */
    private static byte[] clientHello(int port) throws Exception {
        SSLEngine client = Http.trustingContext().createSSLEngine("localhost", port);
        client.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), out);
        byte[] hello = new byte[out.flip().remaining()];
        out.get(hello);
        return hello;
    }

    /** Reads until the server closes the connection (a reset counts as closed too), or the socket's read timeout. */
    private static void readUntilClosedOrGiveUp(Socket socket) throws IOException {
        try {
            socket.getInputStream().readAllBytes();
        } catch (java.net.SocketTimeoutException giveUp) {
            // the server still waits for more: the client gives up and closes
        } catch (java.net.SocketException reset) {
            // the server closed with our bytes unread: closed all the same
        }
    }

    private String metrics(RunningSluice sluice) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
        HttpResponse<String> response = Http.get(Http.client(), uri);
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** The server counts a handshake's outcome on its IO thread, a moment after the client saw it: poll up to 10 s. */
    private String awaitMetrics(RunningSluice sluice, java.util.function.Predicate<String> until) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String text = metrics(sluice);
        while (!until.test(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            text = metrics(sluice);
        }
        return text;
    }

    private static double value(String text, String series) {
        return MetricsIT.value(text, series);
    }
}
