package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.UndertowBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** https pool members: certificate trust (system CAs, ca-bundle, verify = off) and the host-name check. */
class BackendTlsIT {
    /** The backend's self-signed certificate names only "localhost" (no IP address). */
    private static TestCertificates.PemFiles backendCert;
    private static UndertowBackend backend;

    @TempDir
    static Path certDir;
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();
    private RunningSluice sluice;

    @BeforeAll
    static void startBackend() {
        backendCert = TestCertificates.write(certDir, "RSA", "localhost");
        backend = UndertowBackend.https(TestCertificates.serverContext(backendCert.material()),
                exchange -> exchange.getResponseSender().send("secure backend " + exchange.getRequestScheme() + " "
                        + exchange.getRequestURI()));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /** Sluice on plain http with one https member at memberHost, and this pool tls block; returns GET /secure. */
    private HttpResponse<String> getThrough(String memberHost, String poolTls) throws Exception {
        sluice = closer.add(RunningSluice.start(dir, E2eSupport.config("{ name = plain, bind = \"127.0.0.1:0\" }", "", poolTls,
                "https://" + memberHost + ":" + backend.port())));
        return Http.get(Http.client(), sluice.uri("plain", "/secure"));
    }

    @Test
    void selfSignedBackendIsRefusedWithTheSystemCas() throws Exception {
        int before = backend.requests();
        HttpResponse<String> response = getThrough("localhost", "");
        assertEquals(before, backend.requests(), "the backend must never see a request over an untrusted connection");
        assertEquals(502, response.statusCode(), "the member was reached but its TLS was refused: Bad Gateway, as nginx answers");
    }

    @Test
    void caBundleTrustsTheBackendByName() throws Exception {
        HttpResponse<String> response = getThrough("localhost", "tls { ca-bundle = \"" + backendCert.certificate() + "\" }");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("secure backend https /secure", response.body());
    }

    @Test
    void caBundleStillChecksTheHostName() throws Exception {
        int before = backend.requests();
        HttpResponse<String> response = getThrough("127.0.0.1", "tls { ca-bundle = \"" + backendCert.certificate() + "\" }");
        assertEquals(before, backend.requests());
        assertEquals(502, response.statusCode(), "the certificate names localhost only, not 127.0.0.1");
    }

    @ParameterizedTest(name = "member host {0}")
    @ValueSource(strings = {"localhost", "127.0.0.1"})
    void verifyOffAcceptsAnyCertificateAndName(String memberHost) throws Exception {
        HttpResponse<String> response = getThrough(memberHost, "tls { verify = off }");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("secure backend https /secure", response.body());
    }

    /**
     * Undertow runs the backend TLS handshake after its pool reports the connection made, so
     * a rejected certificate cannot fail the connect itself. Sluice's trust manager takes the
     * member out of rotation at the first rejection instead: a GET that meets it is retried
     * on the other member, a POST (which Undertow never retries) may fail once with 502, and
     * every later request goes to the good member.
     */
    @Test
    void memberFailingVerificationIsTakenOutOfRotation() throws Exception {
        String bundle = "tls { ca-bundle = \"" + backendCert.certificate() + "\" }";
        sluice = closer.add(RunningSluice.start(dir, E2eSupport.config("{ name = plain, bind = \"127.0.0.1:0\" }", "", bundle,
                "https://127.0.0.1:" + backend.port(), "https://localhost:" + backend.port())));
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> post = Http.client().send(HttpRequest.newBuilder(sluice.uri("plain", "/failover-post"))
                    .POST(HttpRequest.BodyPublishers.ofString("form=1")).build(), HttpResponse.BodyHandlers.ofString());
            outcomes.add("POST " + post.statusCode());
            HttpResponse<String> get = Http.get(Http.client(), sluice.uri("plain", "/failover-get"));
            outcomes.add("GET " + get.statusCode());
        }
        assertTrue(outcomes.subList(1, outcomes.size()).stream().allMatch(outcome -> outcome.endsWith(" 200")), outcomes.toString());
        assertTrue(outcomes.get(0).equals("POST 200") || outcomes.get(0).equals("POST 502"), outcomes.toString());
    }

    /** A CA bundle that does not contain the backend's certificate is no better than the system CAs. */
    @Test
    void caBundleOfAnotherCaIsRefused() throws Exception {
        TestCertificates.PemFiles other = TestCertificates.write(dir, "EC", "localhost");
        int before = backend.requests();
        HttpResponse<String> response = getThrough("localhost", "tls { ca-bundle = \"" + other.certificate() + "\" }");
        assertEquals(before, backend.requests());
        assertEquals(502, response.statusCode());
    }
}
