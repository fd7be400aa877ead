package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.UndertowBackend;
import io.sluice.tls.TestPki;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates end to end on both TLS engines: real handshakes with certificates from a test
 * CA, a CRL, and a real backend that reports which certificate headers reached it and with what.
 */
class ClientCertificateIT {
    private static final List<String> REPORTED = List.of("X-WSO2-CLIENT-CERTIFICATE", "Client-Cert", "Client-Cert-Chain",
            "SSL-CLIENT-CERT", "X_WSO2_CLIENT_CERTIFICATE", "SSL_CLIENT_CERT");

    private static final TestPki.Ca CA = TestPki.ca("Sluice Test Clients CA");
    private static final TestPki.Ca ROGUE_CA = TestPki.ca("Sluice Test Clients CA"); // same name, other key: a forgery
    /** Sends its CA certificate after its own, so the chain header has something to carry. */
    private static final TestPki.Client ALICE = TestPki.client(CA, "alice", CA.certificate());
    private static final TestPki.Client BOB = TestPki.client(CA, "bob");
    private static final TestPki.Client MALLORY = TestPki.client(ROGUE_CA, "mallory");

    private static UndertowBackend backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(exchange -> exchange.getRequestReceiver().receiveFullString((done, body) -> {
            StringBuilder report = new StringBuilder();
            for (String name : REPORTED) {
                HeaderValues values = done.getRequestHeaders().get(new HttpString(name));
                report.append(name).append('=').append(values == null ? "-" : values.size() == 1 ? values.getFirst() : values.size() + " values")
                        .append('\n');
            }
            HeaderMap trailers = done.getAttachment(HttpAttachments.REQUEST_TRAILERS);
            report.append("trailers=").append(trailers == null ? "-" : trailers.getHeaderNames().stream().map(HttpString::toString)
                    .map(name -> name.toLowerCase(Locale.ROOT)).sorted().collect(Collectors.joining(","))).append('\n');
            done.getResponseSender().send(report.toString());
        }));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private RunningSluice start(String engine) throws Exception {
        TestPki.writeCrlPem(dir.resolve("clients.crl.pem"), TestPki.crl(CA, Duration.ofDays(1), BOB.leaf()));
        return RunningSluice.start(dir, config(engine));
    }

    private String config(String engine) {
        TestCertificates.PemFiles server = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        Path ca = TestPki.writeCertificates(dir.resolve("clients-ca.pem"), CA.certificate());
        String clientTls = ", client-ca = \"" + ca + "\", client-crl = \"" + dir.resolve("clients.crl.pem") + "\"";
        return "sluice {\n"
                + "  listeners = [\n"
                + "    { name = required, bind = \"127.0.0.1:0\", tls { engine = " + engine + ", " + server.hocon()
                + ", client-auth = required" + clientTls + " } }\n"
                + "    { name = optional, bind = \"127.0.0.1:0\", tls { engine = " + engine + ", " + server.hocon()
                + ", client-auth = optional" + clientTls + " } }\n"
                + "    { name = plain, bind = \"127.0.0.1:0\" }\n"
                + "  ]\n"
                + "  routes = [\n"
                + "    { prefix = \"/\", pool = apim }\n"
                + "    { prefix = \"/no-forwarding\", pool = apim, client-certificate-header { preset = off } }\n"
                + "    { prefix = \"/pem\", pool = apim, client-certificate-header { preset = wso2, encoding = pem } }\n"
                + "    { prefix = \"/rfc9440\", pool = apim, client-certificate-header { preset = rfc9440 } }\n"
                + "    { prefix = \"/custom\", pool = apim, client-certificate-header { preset = custom, name = SSL-CLIENT-CERT,"
                + " encoding = base64-der } }\n"
                + "  ]\n"
                + "  pools { apim { members = [ { url = \"http://127.0.0.1:" + backend.port() + "\" } ]\n"
                + "    client-certificate-header { preset = wso2 } } }\n"
                + "}\n";
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void forwardsTheVerifiedCertificateInEachEncoding(String engine) throws Exception {
        try (RunningSluice sluice = start(engine)) {
            assertTrue(E2eSupport.listenerDescription(sluice, "required").contains("TLS engine " + engine + " "));
            assertTrue(E2eSupport.listenerDescription(sluice, "required").contains("client certificates required (CA "),
                    E2eSupport.listenerDescription(sluice, "required"));
            for (String listener : List.of("required", "optional")) {
                for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
                    HttpClient client = client(ALICE, version);
                    // APIM's default, client_certificate_encode = true: URL-decode, drop the PEM lines, base64-decode
                    Map<String, String> seen = get(client, sluice.localhostUri(listener, "/api/v1"));
                    String escaped = seen.get("X-WSO2-CLIENT-CERTIFICATE");
                    assertTrue(escaped.startsWith("-----BEGIN%20CERTIFICATE-----%0A"), escaped);
                    assertEquals(ALICE.leaf(), fromApimUrlEncoded(escaped), listener + " " + version);
                    assertEquals("-", seen.get("Client-Cert"));

                    // client_certificate_encode = false: PEM on one line
                    seen = get(client, sluice.localhostUri(listener, "/pem/x"));
                    assertEquals(ALICE.leaf(), fromApimPlain(seen.get("X-WSO2-CLIENT-CERTIFICATE")));

                    seen = get(client, sluice.localhostUri(listener, "/rfc9440/x"));
                    assertEquals("-", seen.get("X-WSO2-CLIENT-CERTIFICATE"));
                    assertEquals(ALICE.leaf(), fromByteSequence(seen.get("Client-Cert")));
                    assertEquals(CA.certificate(), fromByteSequence(seen.get("Client-Cert-Chain")), "the rest of the chain she sent");

                    seen = get(client, sluice.localhostUri(listener, "/custom/x"));
                    assertEquals(ALICE.leaf(), der(Base64.getDecoder().decode(seen.get("SSL-CLIENT-CERT"))));
                    assertEquals("-", seen.get("X-WSO2-CLIENT-CERTIFICATE"));
                }
            }
        }
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void clientCopiesOfTheHeadersNeverArrive(String engine) throws Exception {
        String[] forged = {
            "X-WSO2-CLIENT-CERTIFICATE", "-----BEGIN%20CERTIFICATE-----%0Aforged",
            "Client-Cert", ":Zm9yZ2Vk:",
            "Client-Cert-Chain", ":Zm9yZ2Vk:",
            "SSL-CLIENT-CERT", "Zm9yZ2Vk",
            "X_WSO2_CLIENT_CERTIFICATE", "forged", // one variable with the real one in CGI-style servers
            "SSL_CLIENT_CERT", "forged",
        };
        try (RunningSluice sluice = start(engine)) {
            // no certificate on the optional listener: nothing of it reaches the backend, forwarding route or not
            HttpClient anonymous = client(null, HttpClient.Version.HTTP_1_1);
            for (String path : List.of("/api", "/no-forwarding/x", "/rfc9440/x", "/custom/x")) {
                Map<String, String> seen = get(anonymous, sluice.localhostUri("optional", path), forged);
                for (String name : REPORTED) {
                    assertEquals("-", seen.get(name), name + " on " + path);
                }
            }
            // nor over HTTP/2, nor on a plain listener
            assertNoneArrive(get(client(null, HttpClient.Version.HTTP_2), sluice.localhostUri("optional", "/api"), forged));
            assertNoneArrive(get(Http.client(), sluice.uri("plain", "/api"), forged));

            // with a verified certificate: on a route without forwarding none, on one with it only the real one
            HttpClient alice = client(ALICE, HttpClient.Version.HTTP_1_1);
            assertNoneArrive(get(alice, sluice.localhostUri("required", "/no-forwarding/x"), forged));
            Map<String, String> seen = get(alice, sluice.localhostUri("required", "/api"), forged);
            assertEquals(ALICE.leaf(), fromApimUrlEncoded(seen.get("X-WSO2-CLIENT-CERTIFICATE")), "one value: the real one");
            assertEquals("-", seen.get("SSL-CLIENT-CERT"), "a configured custom name is stripped on every route");
        }
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void clientCopiesInRequestTrailersNeverArrive(String engine) throws Exception {
        try (RunningSluice sluice = start(engine);
             SSLSocket socket = (SSLSocket) TestPki.clientContext(ALICE).getSocketFactory()
                     .createSocket("localhost", sluice.port("required"))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n"
                    + "X-WSO2-CLIENT-CERTIFICATE: forged\r\nClient-Cert: :Zm9yZ2Vk:\r\nSSL-CLIENT-CERT: forged\r\nX-Other: kept\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("trailers=x-other\n"), "trailers do arrive, without the certificate ones: " + response);
            assertTrue(response.contains("X-WSO2-CLIENT-CERTIFICATE=-----BEGIN%20CERTIFICATE"), "the real header, from the handshake: "
                    + response);
        }
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void untrustedRevokedAndMissingCertificatesAreRefused(String engine) throws Exception {
        try (RunningSluice sluice = start(engine)) {
            int before = backend.requests();
            // TLS 1.3 verifies the client after the server's Finished, TLS 1.2 before it: both paths
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                for (String listener : List.of("required", "optional")) {
                    URI uri = sluice.localhostUri(listener, "/api");
                    assertThrows(IOException.class, () -> get(client(MALLORY, HttpClient.Version.HTTP_1_1, protocol), uri),
                            "a certificate from another CA (with the same name) on " + listener + " over " + protocol);
                    assertThrows(IOException.class, () -> get(client(BOB, HttpClient.Version.HTTP_1_1, protocol), uri),
                            "a revoked certificate on " + listener + " over " + protocol);
                }
                assertThrows(IOException.class, () -> get(client(null, HttpClient.Version.HTTP_1_1, protocol),
                        sluice.localhostUri("required", "/api")), "no certificate where one is required, over " + protocol);
            }
            assertEquals(before, backend.requests(), "none of them reached the backend");

            // and the listener still serves a good client afterwards, over either protocol
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                HttpClient alice = client(ALICE, HttpClient.Version.HTTP_1_1, protocol);
                assertEquals(protocol, Http.get(alice, sluice.localhostUri("required", "/api")).sslSession().orElseThrow().getProtocol());
                assertEquals(ALICE.leaf(), fromApimUrlEncoded(get(alice, sluice.localhostUri("required", "/api"))
                        .get("X-WSO2-CLIENT-CERTIFICATE")), protocol);
            }
        }
    }

    @ParameterizedTest(name = "engine = {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    void aRenewedCrlAppliesToNewHandshakesAfterReload(String engine) throws Exception {
        try (RunningSluice sluice = start(engine)) {
            URI uri = sluice.localhostUri("required", "/api");
            assertEquals(ALICE.leaf(), fromApimUrlEncoded(get(client(ALICE, HttpClient.Version.HTTP_1_1), uri)
                    .get("X-WSO2-CLIENT-CERTIFICATE")));

            TestPki.writeCrlPem(dir.resolve("clients.crl.pem"), TestPki.crl(CA, Duration.ofDays(1), BOB.leaf(), ALICE.leaf()));
            assertTrue(sluice.reload(config(engine)).applied());

            assertThrows(IOException.class, () -> get(client(ALICE, HttpClient.Version.HTTP_1_1), uri), "alice is revoked now");
            assertTrue(E2eSupport.listenerDescription(sluice, "required").contains("client certificates required"),
                    "the reloaded context still asks for certificates: " + E2eSupport.listenerDescription(sluice, "required"));
            assertThrows(IOException.class, () -> get(client(null, HttpClient.Version.HTTP_1_1), uri), "and still requires one");
        }
    }

    private static void assertNoneArrive(Map<String, String> seen) {
        for (String name : REPORTED) {
            assertEquals("-", seen.get(name), name);
        }
    }

    private static HttpClient client(TestPki.Client identity, HttpClient.Version version) {
        return client(identity, version, "TLSv1.3");
    }

    private static HttpClient client(TestPki.Client identity, HttpClient.Version version, String protocol) {
        SSLContext context = TestPki.clientContext(identity);
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        return Http.builder().sslContext(context).sslParameters(parameters).version(version).build();
    }

    private static Map<String, String> get(HttpClient client, URI uri, String... headers) throws Exception {
        HttpResponse<String> response = Http.get(client, uri, headers);
        assertEquals(200, response.statusCode(), response.body());
        Map<String, String> seen = new LinkedHashMap<>();
        for (String line : response.body().split("\n")) {
            int equals = line.indexOf('=');
            seen.put(line.substring(0, equals), line.substring(equals + 1));
        }
        return seen;
    }

    /** As API Manager's gateway reads it with client_certificate_encode = true. */
    private static X509Certificate fromApimUrlEncoded(String header) throws Exception {
        String pem = URLDecoder.decode(header, StandardCharsets.UTF_8);
        String body = pem.replace("-----BEGIN CERTIFICATE-----", "").replace("-----END CERTIFICATE-----", "").trim();
        return der(Base64.getMimeDecoder().decode(body));
    }

    /** As API Manager's gateway reads it with client_certificate_encode = false: spaces back to line breaks. */
    private static X509Certificate fromApimPlain(String header) throws Exception {
        String body = header.replace("-----BEGIN CERTIFICATE----- ", "").replace("-----END CERTIFICATE-----", "").replace(' ', '\n');
        String pem = "-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----";
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static X509Certificate fromByteSequence(String item) throws Exception {
        assertTrue(item.length() > 2 && item.startsWith(":") && item.endsWith(":"), item);
        return der(Base64.getDecoder().decode(item.substring(1, item.length() - 1)));
    }

    private static X509Certificate der(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
