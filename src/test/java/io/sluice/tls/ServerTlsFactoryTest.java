package io.sluice.tls;

import static io.sluice.tls.TlsTestSupport.EC_LOCALHOST;
import static io.sluice.tls.TlsTestSupport.EC_B;
import static io.sluice.tls.TlsTestSupport.RSA_A;
import static io.sluice.tls.TlsTestSupport.RSA_B;
import static io.sluice.tls.TlsTestSupport.RSA_LOCALHOST;
import static io.sluice.tls.TlsTestSupport.RSA_WILD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Sequence;

class ServerTlsFactoryTest {

    private static final ServerTlsSettings JDK = new ServerTlsSettings(TlsEngine.JDK, null, null, List.of("h2", "http/1.1"));
    private static final ServerTlsSettings OPENSSL = new ServerTlsSettings(TlsEngine.OPENSSL, null, null, null);
    private static final ServerTlsSettings AUTO = new ServerTlsSettings(TlsEngine.AUTO, null, null, null);

    private static SSLContext trustLocalhost;

    @TempDir
    static Path dir;

    @BeforeAll
    static void trust() throws Exception {
        Path bundle = dir.resolve("bundle.pem");
        SelfSignedCertificate.writePem(RSA_LOCALHOST, dir.resolve("rsa.pem"), dir.resolve("rsa.key"));
        SelfSignedCertificate.writePem(EC_LOCALHOST, dir.resolve("ec.pem"), dir.resolve("ec.key"));
        java.nio.file.Files.writeString(bundle, java.nio.file.Files.readString(dir.resolve("rsa.pem"))
                + java.nio.file.Files.readString(dir.resolve("ec.pem")));
        trustLocalhost = TrustMaterial.clientContext(TrustMaterial.fromPemBundle(bundle));
    }

    private static void assumeOpenSsl() {
        // The build ships libwfssl for linux-x86_64 only; elsewhere the OpenSSL engine cannot be tested.
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"));
        OpenSslStatus status = OpenSsl.status();
        assertTrue(status.available(), status.detail());
    }

    private static String handshake(ServerTls tls, HttpClient.Version version, String expectedVersion) throws Exception {
        try (TlsTestSupport.Server server = new TlsTestSupport.Server(tls.context(), version == HttpClient.Version.HTTP_2,
                OptionMap.EMPTY)) {
            HttpResponse<String> response = TlsTestSupport.get(trustLocalhost, "localhost", server.port, version);
            assertEquals(200, response.statusCode());
            assertEquals("TLSv1.3", response.sslSession().orElseThrow().getProtocol());
            assertEquals(expectedVersion, response.version().name());
            assertTrue(response.body().startsWith("TLSv1.3 TLS_"), response.body());
            return response.body();
        }
    }

    @Test
    void jdkEngineServesRsaOverTls13() throws Exception {
        ServerTls tls = ServerTlsFactory.create("https", JDK, List.of(RSA_LOCALHOST));
        assertEquals("jdk", tls.engine());
        assertTrue(tls.engineDetail().matches("JDK \\S+ SunJSSE"), tls.engineDetail());
        assertEquals(ServerTlsFactory.MODERN_PROTOCOLS, tls.protocols());
        assertEquals(ServerTlsFactory.MODERN_CIPHER_SUITES, tls.cipherSuites());
        assertNull(tls.warning());
        handshake(tls, HttpClient.Version.HTTP_1_1, "HTTP_1_1");
        handshake(tls, HttpClient.Version.HTTP_2, "HTTP_2"); // ALPN h2 through Undertow's JDK ALPN provider
    }

    @Test
    void jdkEngineServesEcOverTls13() throws Exception {
        ServerTls tls = ServerTlsFactory.create("https", JDK, List.of(EC_LOCALHOST));
        handshake(tls, HttpClient.Version.HTTP_1_1, "HTTP_1_1");
    }

    @Test
    void openSslEngineServesRsaOverTls13WithAlpn() throws Exception {
        assumeOpenSsl();
        ServerTls tls = ServerTlsFactory.create("https", OPENSSL, List.of(RSA_LOCALHOST));
        assertEquals("openssl", tls.engine());
        assertTrue(tls.engineDetail().startsWith("OpenSSL "), tls.engineDetail());
        assertEquals(ServerTlsFactory.MODERN_PROTOCOLS, tls.protocols());
        // wildfly-openssl's spelling of the two TLS 1.2 ChaCha20 suites (no _SHA256): all nine are kept.
        assertEquals(ServerTlsFactory.MODERN_CIPHER_SUITES.size(), tls.cipherSuites().size(), tls.cipherSuites()::toString);
        assertTrue(tls.cipherSuites().contains("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"), tls.cipherSuites()::toString);
        assertNull(tls.warning());
        System.out.println("OpenSSL " + OpenSsl.status() + " negotiated " + handshake(tls, HttpClient.Version.HTTP_1_1, "HTTP_1_1"));
        handshake(tls, HttpClient.Version.HTTP_2, "HTTP_2"); // ALPN h2 through Undertow's OpenSSLAlpnProvider
    }

    @Test
    void openSslEngineNegotiatesTls12ChaCha20() throws Exception {
        assumeOpenSsl();
        ServerTls tls = ServerTlsFactory.create("https", OPENSSL, List.of(RSA_A));
        try (TlsTestSupport.Server server = new TlsTestSupport.Server(tls.context())) {
            SSLParameters parameters = new SSLParameters(new String[] {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
                    new String[] {"TLSv1.2"});
            // The client negotiated the only suite it offered; Undertow's SSLSessionInfo on the OpenSSL
            // engine reports it in wildfly-openssl's spelling.
            assertEquals("TLSv1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", sniHandshake(server.port, parameters, RSA_A));
        }
    }

    @Test
    void sniChoosesCertificateOnJdkEngineIncludingRsaAndEcMix() throws Exception {
        ServerTls tls = ServerTlsFactory.create("https", JDK, List.of(RSA_A, EC_B, RSA_WILD));
        try (TlsTestSupport.Server server = new TlsTestSupport.Server(tls.context())) {
            assertSni(server.port, "a.test", RSA_A);
            assertSni(server.port, "b.test", EC_B);
            assertSni(server.port, "x.wild.test", RSA_WILD);
            assertSni(server.port, "x.y.wild.test", RSA_A); // wildcards cover one label only: default
            assertSni(server.port, "unknown.test", RSA_A);
            assertSni(server.port, null, RSA_A);
        }
    }

    @Test
    void sniChoosesCertificateOnOpenSslEngineAlsoWithXnioOptions() throws Exception {
        assumeOpenSsl();
        ServerTls tls = ServerTlsFactory.create("https", OPENSSL, List.of(RSA_A, RSA_B, RSA_WILD));
        // As a listener might: also pass the lists as XNIO options. Undertow's SNISSLEngine reports
        // "supported" = what was set, so this only works because the context sets them first.
        OptionMap options = OptionMap.builder()
                .set(Options.SSL_ENABLED_PROTOCOLS, Sequence.of(tls.protocols()))
                .set(Options.SSL_ENABLED_CIPHER_SUITES, Sequence.of(tls.cipherSuites()))
                .getMap();
        try (TlsTestSupport.Server server = new TlsTestSupport.Server(tls.context(), false, options)) {
            assertSni(server.port, "a.test", RSA_A);
            assertSni(server.port, "B.TEST", RSA_B);
            assertSni(server.port, "x.wild.test", RSA_WILD);
            assertSni(server.port, "x.y.wild.test", RSA_A);
            assertSni(server.port, null, RSA_A);
        }
        // HTTP/2 through the SNI dispatcher: Undertow's SNIAlpnEngineManager hands ALPN to the chosen OpenSSLEngine.
        ServerTls sniH2 = ServerTlsFactory.create("https", OPENSSL, List.of(RSA_A, RSA_LOCALHOST));
        handshake(sniH2, HttpClient.Version.HTTP_2, "HTTP_2");
    }

    @Test
    void ecCertificateWithOpenSslEngineIsRefusedClearly() {
        assumeOpenSsl();
        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> ServerTlsFactory.create("public-https", OPENSSL, List.of(RSA_A, EC_B)));
        String message = e.getMessage();
        for (String fragment : List.of("Listener 'public-https'", EC_B.source(), "RSA certificates only", "engine = jdk",
                "RSA certificate")) {
            assertTrue(message.contains(fragment), () -> "expected '" + fragment + "' in: " + message);
        }
    }

    @Test
    void autoWithEcCertificateFallsBackToJdkWithWarning() throws Exception {
        ServerTls tls = ServerTlsFactory.create("public-https", AUTO, List.of(EC_LOCALHOST));
        assertEquals("jdk", tls.engine());
        assertTrue(tls.warning() != null && tls.warning().contains("Listener 'public-https' uses the JDK TLS engine")
                && tls.warning().contains("EC key"), tls.warning());
        handshake(tls, HttpClient.Version.HTTP_1_1, "HTTP_1_1");
    }

    @Test
    void autoWithRsaCertificatesPicksOpenSsl() throws Exception {
        assumeOpenSsl();
        ServerTls tls = ServerTlsFactory.create("https", AUTO, List.of(RSA_LOCALHOST));
        assertEquals("openssl", tls.engine());
        assertNull(tls.warning());
    }

    @Test
    void unsupportedProtocolsAndSuitesAreFilteredOrRefused() throws Exception {
        ServerTls tls = ServerTlsFactory.create("https", new ServerTlsSettings(TlsEngine.JDK,
                List.of("TLSv1.3", "TLSv1.4"), List.of("TLS_AES_128_GCM_SHA256", "TLS_NOT_A_SUITE"), null), List.of(RSA_A));
        assertEquals(List.of("TLSv1.3"), tls.protocols());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256"), tls.cipherSuites());
        assertTrue(tls.warning().contains("TLSv1.4") && tls.warning().contains("TLS_NOT_A_SUITE"), tls.warning());

        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> ServerTlsFactory.create("https",
                new ServerTlsSettings(TlsEngine.JDK, List.of("SSLv9"), null, null), List.of(RSA_A)));
        assertTrue(e.getMessage().startsWith("Listener 'https': the jdk TLS engine supports none of the configured"
                + " protocols [SSLv9]"), e.getMessage());
        assertThrows(TlsMaterialException.class, () -> ServerTlsFactory.create("https", JDK, List.of()));
    }

    @Test
    void tls12SuitesWithoutTheCertificateTypeAreWarnedAbout() throws Exception {
        ServerTls tls = ServerTlsFactory.create("https", new ServerTlsSettings(TlsEngine.JDK, null,
                List.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), null), List.of(EC_B));
        assertTrue(tls.warning().contains("EC certificates but no TLS 1.2 cipher suite"), tls.warning());
    }

    private static void assertSni(int port, String serverName, KeyMaterial expected) throws Exception {
        SSLParameters parameters = new SSLParameters();
        if (serverName != null) {
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
        }
        sniHandshake(port, parameters, expected);
    }

    /** Raw handshake to 127.0.0.1 (so no DNS is needed for the test names) with the given SNI; returns the server's answer. */
    private static String sniHandshake(int port, SSLParameters parameters, KeyMaterial expected) throws Exception {
        Path bundle = dir.resolve("sni-bundle.pem");
        StringBuilder pem = new StringBuilder();
        for (KeyMaterial material : List.of(RSA_A, EC_B, RSA_B, RSA_WILD)) {
            pem.append(Pem.encode("CERTIFICATE", material.leaf().getEncoded()));
        }
        java.nio.file.Files.writeString(bundle, pem);
        SSLContext client = TrustMaterial.clientContext(TrustMaterial.fromPemBundle(bundle));
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertEquals(expected.leaf(), served, () -> "SNI " + parameters.getServerNames() + " got "
                    + served.getSubjectX500Principal());
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}
