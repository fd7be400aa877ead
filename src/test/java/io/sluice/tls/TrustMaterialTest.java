package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustMaterialTest {

    @TempDir
    Path dir;

    /** verify = off must accept a certificate for another name; real trust must refuse it, for the right reason. */
    @Test
    void trustAllSkipsChainAndHostNameChecksWhileOtherTrustRefuses() throws Exception {
        KeyMaterial other = TlsTestSupport.cert("EC", "other.example");
        Path bundle = dir.resolve("other.pem");
        SelfSignedCertificate.writePem(other, bundle, dir.resolve("other.key"));
        ServerTls tls = ServerTlsFactory.create("backend", new ServerTlsSettings(TlsEngine.JDK, null, null, null),
                List.of(other));
        try (TlsTestSupport.Server server = new TlsTestSupport.Server(tls.context())) {
            var response = TlsTestSupport.get(TrustMaterial.clientContext(TrustMaterial.trustAll()), "localhost",
                    server.port, HttpClient.Version.HTTP_1_1);
            assertEquals(200, response.statusCode());

            SSLHandshakeException wrongName = assertThrows(SSLHandshakeException.class, () -> TlsTestSupport.get(
                    TrustMaterial.clientContext(TrustMaterial.fromPemBundle(bundle)), "localhost", server.port,
                    HttpClient.Version.HTTP_1_1));
            assertTrue(String.valueOf(wrongName.getMessage()).contains("localhost"), wrongName::toString);

            SSLHandshakeException unknownCa = assertThrows(SSLHandshakeException.class, () -> TlsTestSupport.get(
                    TrustMaterial.clientContext(TrustMaterial.systemTrust()), "localhost", server.port,
                    HttpClient.Version.HTTP_1_1));
            assertTrue(String.valueOf(unknownCa.getMessage()).contains("PKIX"), unknownCa::toString);
        }
    }

    @Test
    void clientContextIsJsseLimitedToTls12And13() {
        var context = TrustMaterial.clientContext(TrustMaterial.systemTrust());
        assertEquals("SunJSSE", context.getProvider().getName());
        SSLEngine engine = context.createSSLEngine("backend", 443);
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(engine.getEnabledProtocols()));
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(context.getDefaultSSLParameters().getProtocols()));
        assertTrue(TrustMaterial.systemTrust().getAcceptedIssuers().length > 10, "JDK cacerts loaded");
    }

    @Test
    void bundleErrorsNameTheFile() throws Exception {
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "# nothing here\n");
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> TrustMaterial.fromPemBundle(empty));
        assertTrue(e.getMessage().startsWith("The TLS CA bundle " + empty + " contains no PEM CERTIFICATE block"),
                e.getMessage());
        Path missing = dir.resolve("missing.pem");
        e = assertThrows(TlsMaterialException.class, () -> TrustMaterial.fromPemBundle(missing));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
    }
}
