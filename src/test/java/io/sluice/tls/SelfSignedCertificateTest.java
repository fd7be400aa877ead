package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {

    @TempDir
    Path dir;

    @Test
    void rsaAndEcRoundTripThroughPemFiles() throws Exception {
        for (KeyMaterial material : List.of(TlsTestSupport.RSA_LOCALHOST, TlsTestSupport.EC_LOCALHOST)) {
            Path cert = dir.resolve(material.keyAlgorithm() + ".crt");
            Path key = dir.resolve(material.keyAlgorithm() + ".key");
            SelfSignedCertificate.writePem(material, cert, key);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"));

            KeyMaterial loaded = KeyMaterialLoader.fromPem(cert, key);
            assertArrayEquals(material.leaf().getEncoded(), loaded.leaf().getEncoded());
            assertArrayEquals(material.privateKey().getEncoded(), loaded.privateKey().getEncoded());

            X509Certificate leaf = loaded.leaf();
            assertEquals(3, leaf.getVersion());
            assertEquals(material.keyAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA", leaf.getSigAlgName());
            assertEquals(Integer.MAX_VALUE, leaf.getBasicConstraints()); // cA=true, no path length limit
            assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
            assertTrue(leaf.getKeyUsage()[0], "digitalSignature");
            assertEquals(Set.of(List.of(2, "localhost"), List.of(7, "127.0.0.1")), Set.copyOf(leaf.getSubjectAlternativeNames()));
            assertEquals("CN=localhost", leaf.getSubjectX500Principal().getName());
            leaf.verify(leaf.getPublicKey());
            leaf.checkValidity();
            assertEquals(Set.of("localhost"), loaded.serverNames());

            // OpenSSL reads it the same way.
            String text = TlsTestSupport.run(dir, "openssl", "x509", "-in", cert.toString(), "-noout", "-text");
            assertTrue(text.contains("DNS:localhost, IP Address:127.0.0.1"), text);
            assertTrue(text.contains("CA:TRUE"), text);
        }
    }

    @Test
    void writePemReplacesExistingFilesAndKeepsKeyPrivate() throws Exception {
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        Files.writeString(key, "old");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-rw-rw-"));
        SelfSignedCertificate.writePem(TlsTestSupport.EC_LOCALHOST, cert, key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(TlsTestSupport.EC_LOCALHOST.leaf(), KeyMaterialLoader.fromPem(cert, key).leaf());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void validityPast2049UsesGeneralizedTime() {
        KeyMaterial longLived = SelfSignedCertificate.generate("EC", List.of("long.test"), Duration.ofDays(365L * 40));
        int year = longLived.leaf().getNotAfter().toInstant().atZone(ZoneOffset.UTC).getYear();
        assertTrue(year >= 2050, "notAfter " + year);
    }

    @Test
    void cnIsUsedOnlyWithoutDnsSans() {
        KeyMaterial ipOnly = SelfSignedCertificate.generate("EC", List.of("10.1.2.3"), Duration.ofDays(1));
        assertEquals(Set.of("10.1.2.3"), ipOnly.serverNames()); // no DNS SAN: falls back to the CN
        KeyMaterial names = SelfSignedCertificate.generate("EC", List.of("A.Example.COM", "*.example.com", "::1"),
                Duration.ofDays(1));
        assertEquals(Set.of("a.example.com", "*.example.com"), names.serverNames());
        assertThrows(IllegalArgumentException.class,
                () -> SelfSignedCertificate.generate("DSA", List.of("x.test"), Duration.ofDays(1)));
        assertThrows(IllegalArgumentException.class,
                () -> SelfSignedCertificate.generate("EC", List.of("300.1.1.1"), Duration.ofDays(1)));
    }

    /** The point of the generator: the JDK HttpClient and curl --cacert accept it for https://localhost. */
    @Test
    void jdkHttpClientAndCurlTrustItAsTheirCaFile() throws Exception {
        Path cert = dir.resolve("demo.crt");
        SelfSignedCertificate.writePem(TlsTestSupport.RSA_LOCALHOST, cert, dir.resolve("demo.key"));
        ServerTls tls = ServerTlsFactory.create("demo", new ServerTlsSettings(TlsEngine.JDK, null, null, null),
                List.of(TlsTestSupport.RSA_LOCALHOST));
        try (TlsTestSupport.Server server = new TlsTestSupport.Server(tls.context())) {
            var response = TlsTestSupport.get(TrustMaterial.clientContext(TrustMaterial.fromPemBundle(cert)),
                    "localhost", server.port, HttpClient.Version.HTTP_1_1);
            assertEquals(200, response.statusCode());

            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
            String body = TlsTestSupport.run(dir, "/usr/bin/curl", "-sS", "--cacert", cert.toString(),
                    "https://localhost:" + server.port + "/");
            assertTrue(body.startsWith("TLSv1.3 "), body);
        }
    }
}
