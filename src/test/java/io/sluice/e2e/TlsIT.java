package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.config.ConfigException;
import io.sluice.testing.CurlClient;
import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.sluice.testing.TestCertificates;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** https listeners on both TLS engines, in front of a real backend, seen by real TLS clients. */
class TlsIT {
    private static UndertowBackend backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(exchange -> exchange.getResponseSender().send("backend saw " + exchange.getRequestURI()
                + (exchange.getQueryString().isEmpty() ? "" : "?" + exchange.getQueryString())));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private String httpsConfig(String tls) {
        return E2eSupport.config("{ name = https, bind = \"127.0.0.1:0\", tls { " + tls + " } }", "", "",
                "http://127.0.0.1:" + backend.port());
    }

    @ParameterizedTest(name = "engine = {0}, {1} certificate")
    @CsvSource({"openssl, RSA", "jdk, RSA", "jdk, EC"})
    void servesTls13FromTheBackend(String engine, String keyAlgorithm) throws Exception {
        TestCertificates.PemFiles cert = TestCertificates.write(dir, keyAlgorithm, "localhost", "127.0.0.1");
        try (RunningSluice sluice = RunningSluice.start(dir, httpsConfig("engine = " + engine + ", " + cert.hocon()))) {
            assertTrue(E2eSupport.listenerDescription(sluice, "https").contains("TLS engine " + engine + " "),
                    E2eSupport.listenerDescription(sluice, "https"));

            HttpResponse<String> response = Http.get(Http.client(), sluice.localhostUri("https", "/tls/check?x=1"));

            assertEquals(200, response.statusCode());
            assertEquals("backend saw /tls/check?x=1", response.body());
            SSLSession session = response.sslSession().orElseThrow();
            assertEquals("TLSv1.3", session.getProtocol());
            X509Certificate served = (X509Certificate) session.getPeerCertificates()[0];
            assertEquals(cert.material().leaf(), served, "the configured certificate is served");
            assertEquals(keyAlgorithm, served.getPublicKey().getAlgorithm());

            // TLS 1.1 is refused by the server. curl needs SECLEVEL=0 to offer TLS 1.1 at all
            // (OpenSSL 3 refuses it client-side otherwise), so the refusal seen here is the server's.
            int port = sluice.port("https");
            CurlClient.Result tls11 = CurlClient.run("-k", "--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0",
                    "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:" + port + "/tls/check");
            assertEquals(35, tls11.exitCode(), tls11.toString());
            // Observed: the JDK engine answers with a protocol_version alert; wildfly-openssl closes
            // the connection without one (curl reports SSL_ERROR_SYSCALL). Either way no session.
            assertTrue(tls11.stderr().contains("alert protocol version") || tls11.stderr().contains("SSL_ERROR_SYSCALL"),
                    tls11.toString());
            // The same curl, allowed TLS 1.2, gets through: the refusal above is about the version.
            CurlClient.Result tls12 = CurlClient.run("-k", "--tlsv1.2", "--tls-max", "1.2", "--ciphers", "DEFAULT@SECLEVEL=0",
                    "-w", "\n%{http_code}", "https://127.0.0.1:" + port + "/tls/check");
            assertEquals(0, tls12.exitCode(), tls12.toString());
            assertEquals("backend saw /tls/check\n200", tls12.stdout());
        }
    }

    /**
     * The default cipher-suites list has ECDHE_RSA with AES-GCM and with ChaCha20 for TLS 1.2: a TLS 1.2
     * client offering only one of them must get through on either engine.
     */
    @ParameterizedTest(name = "engine = {0}, TLS 1.2 {1}")
    @CsvSource({"openssl, ECDHE-RSA-AES128-GCM-SHA256", "openssl, ECDHE-RSA-CHACHA20-POLY1305",
            "jdk, ECDHE-RSA-AES128-GCM-SHA256", "jdk, ECDHE-RSA-CHACHA20-POLY1305"})
    void tls12ClientsGetTheConfiguredSuites(String engine, String opensslSuite) throws Exception {
        TestCertificates.PemFiles cert = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        try (RunningSluice sluice = RunningSluice.start(dir, httpsConfig("engine = " + engine + ", " + cert.hocon()))) {
            CurlClient.Result curl = CurlClient.run("-v", "-k", "--tlsv1.2", "--tls-max", "1.2", "--ciphers", opensslSuite,
                    "https://127.0.0.1:" + sluice.port("https") + "/tls12");
            assertEquals(0, curl.exitCode(), curl.toString());
            assertTrue(curl.stderr().contains("SSL connection using TLSv1.2 / " + opensslSuite), curl.toString());
            assertEquals("backend saw /tls12", curl.stdout());
        }
    }

    @Test
    void opensslWithAnEcCertificateIsRefusedAtLoadWithAClearMessage() throws Exception {
        TestCertificates.PemFiles ec = TestCertificates.write(dir, "EC", "localhost", "127.0.0.1");
        int before = backend.requests();

        ConfigException error = assertThrows(ConfigException.class,
                () -> RunningSluice.start(dir, httpsConfig("engine = openssl, " + ec.hocon())).close());

        String message = error.getMessage();
        assertTrue(message.contains("RSA"), message);
        assertTrue(message.contains("engine = jdk"), message);
        assertTrue(message.contains("engine = openssl"), message);
        assertTrue(message.contains(ec.certificate().toString()), "names the certificate file: " + message);
        assertTrue(message.contains("sluice.conf:"), "points at the config file: " + message);
        assertEquals(before, backend.requests());
    }

    @Test
    void autoEngineFallsBackToJdkForAnEcCertificateAndServesIt() throws Exception {
        TestCertificates.PemFiles ec = TestCertificates.write(dir, "EC", "localhost", "127.0.0.1");
        try (RunningSluice sluice = RunningSluice.start(dir, httpsConfig(ec.hocon()))) {
            assertTrue(E2eSupport.listenerDescription(sluice, "https").contains("TLS engine jdk "));
            HttpResponse<String> response = Http.get(Http.client(), sluice.localhostUri("https", "/auto"));
            assertEquals("backend saw /auto", response.body());
            assertEquals("EC", response.sslSession().orElseThrow().getPeerCertificates()[0].getPublicKey().getAlgorithm());
        }
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void sniPicksTheCertificateByNameAndTheFirstWithoutSni(String engine) throws Exception {
        TestCertificates.PemFiles a = TestCertificates.write(dir, "RSA", "a.test");
        // The JDK engine serves RSA and EC side by side; wildfly-openssl serves RSA only.
        TestCertificates.PemFiles b = TestCertificates.write(dir, engine.equals("jdk") ? "EC" : "RSA", "b.test");
        String tls = "engine = " + engine + ", certificates = [ { " + a.hocon() + " }, { " + b.hocon() + " } ]";
        try (RunningSluice sluice = RunningSluice.start(dir, httpsConfig(tls))) {
            int port = sluice.port("https");

            assertEquals(List.of("a.test"), E2eSupport.subjectAltNames(served(port, "a.test")));
            assertEquals(List.of("b.test"), E2eSupport.subjectAltNames(served(port, "b.test")));
            assertEquals(b.material().leaf(), served(port, "b.test"));
            // No SNI at all, and a name no certificate has: the first certificate.
            assertEquals(a.material().leaf(), served(port, null));
            assertEquals(a.material().leaf(), served(port, "c.test"));

            for (TestCertificates.PemFiles cert : List.of(a, b)) {
                String name = cert.material().leaf().getSubjectX500Principal().getName().substring("CN=".length());
                // Verified, not -k: only this name's own certificate is trusted, and the name must match it.
                CurlClient.Result curl = CurlClient.run("-v", "--cacert", cert.certificate().toString(),
                        "--resolve", name + ":" + port + ":127.0.0.1", "https://" + name + ":" + port + "/sni");
                assertEquals(0, curl.exitCode(), curl.toString());
                assertEquals("backend saw /sni", curl.stdout());
                assertTrue(curl.stderr().contains("subject: CN=" + name), curl.toString());
                assertTrue(curl.stderr().contains("SSL certificate verify ok."), curl.toString());
            }
            // curl sends no SNI for an IP address: it gets the default (first) certificate.
            CurlClient.Result byIp = CurlClient.run("-v", "-k", "https://127.0.0.1:" + port + "/sni");
            assertEquals(0, byIp.exitCode(), byIp.toString());
            assertTrue(byIp.stderr().contains("subject: CN=a.test"), byIp.toString());
            assertNotEquals(-1, byIp.stdout().indexOf("backend saw /sni"));
        }
    }

    /** The leaf certificate the server presents for this SNI name (null: send no SNI); no trust checks. */
    private static X509Certificate served(int port, String sniName) throws Exception {
        try (SSLSocket socket = (SSLSocket) Http.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(sniName == null ? List.of() : List.of(new SNIHostName(sniName)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
