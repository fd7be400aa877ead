package io.sluice.tls;

import static io.sluice.tls.TlsTestSupport.EC_LOCALHOST;
import static io.sluice.tls.TlsTestSupport.RSA_LOCALHOST;
import static io.sluice.tls.TlsTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyMaterialLoaderTest {

    private static final Pattern SUGGESTED_COMMAND = Pattern.compile("(openssl pkcs8 -topk8 -nocrypt -in \\S+ -out \\S+)");

    @TempDir
    Path dir;

    private Path cert;
    private Path key;

    private void write(KeyMaterial material) throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        SelfSignedCertificate.writePem(material, cert, key);
    }

    private TlsMaterialException pemFails() {
        return assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, key));
    }

    private static void assertMessage(TlsMaterialException e, String... fragments) {
        String message = e.getMessage();
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "expected '" + fragment + "' in: " + message);
        }
        assertTrue(message.endsWith("."), () -> "not a full sentence: " + message);
    }

    @Test
    void loadsRsaAndEcPkcs8Pem() throws Exception {
        for (KeyMaterial material : List.of(RSA_LOCALHOST, EC_LOCALHOST)) {
            write(material);
            KeyMaterial loaded = KeyMaterialLoader.fromPem(cert, key);
            assertEquals(material.keyAlgorithm(), loaded.keyAlgorithm());
            assertEquals(material.leaf(), loaded.leaf());
            assertArrayEquals(material.privateKey().getEncoded(), loaded.privateKey().getEncoded());
            assertEquals(Set.of("localhost"), loaded.serverNames());
            assertTrue(loaded.source().contains("cert.pem"));
        }
    }

    @Test
    void missingFileNamesTheFile() throws Exception {
        write(RSA_LOCALHOST);
        Path missing = dir.resolve("nope.pem");
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(missing, key));
        assertMessage(e, "certificate chain file " + missing, "does not exist", "check the path");
        e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, missing));
        assertMessage(e, "private key file " + missing, "does not exist");
    }

    @Test
    void unreadableFileSaysPermissions() throws Exception {
        write(RSA_LOCALHOST);
        Files.setPosixFilePermissions(key, Set.of());
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(key), "running as root: cannot test");
            assertMessage(pemFails(), "private key file " + key, "cannot be read", "readable by the user");
        } finally {
            Files.setPosixFilePermissions(key, Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ));
        }
    }

    @Test
    void fileWithoutPemBlock() throws Exception {
        write(RSA_LOCALHOST);
        Files.write(cert, RSA_LOCALHOST.leaf().getEncoded()); // DER, not PEM
        assertMessage(pemFails(), "certificate chain file " + cert, "no PEM CERTIFICATE block",
                "openssl x509 -inform der -in " + cert);
        write(RSA_LOCALHOST);
        Files.writeString(key, "hello\n");
        assertMessage(pemFails(), "private key file " + key, "no PEM 'PRIVATE KEY' block");
    }

    @Test
    void swappedCertificateAndKey() throws Exception {
        write(RSA_LOCALHOST);
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(key, cert));
        assertMessage(e, "certificate chain file " + key, "holds a private key", "swapped");
    }

    @Test
    void pkcs1RsaKeyGivesConversionCommandThatWorks() throws Exception {
        write(RSA_LOCALHOST);
        Path pkcs1 = dir.resolve("server.key");
        run(dir, "openssl", "pkey", "-in", key.toString(), "-traditional", "-out", pkcs1.toString());
        assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, pkcs1));
        assertMessage(e, pkcs1.toString(), "PKCS#1", "Sluice reads unencrypted PKCS#8",
                "openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + " -out " + dir.resolve("server-pkcs8.pem"));
        assertEquals(RSA_LOCALHOST.leaf(), KeyMaterialLoader.fromPem(cert, runSuggestion(e)).leaf());
    }

    @Test
    void sec1EcKeyGivesConversionCommandThatWorks() throws Exception {
        write(EC_LOCALHOST);
        Path sec1 = dir.resolve("ec.pem");
        run(dir, "openssl", "pkey", "-in", key.toString(), "-traditional", "-out", sec1.toString());
        assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, sec1));
        assertMessage(e, sec1.toString(), "SEC1", "Sluice reads unencrypted PKCS#8", "openssl pkcs8 -topk8 -nocrypt -in " + sec1);
        assertEquals(EC_LOCALHOST.leaf(), KeyMaterialLoader.fromPem(cert, runSuggestion(e)).leaf());
    }

    @Test
    void encryptedKeySaysUnencryptedAndHow() throws Exception {
        write(RSA_LOCALHOST);
        Path encrypted = dir.resolve("encrypted.pem");
        run(dir, "openssl", "pkcs8", "-topk8", "-in", key.toString(), "-out", encrypted.toString(),
                "-passout", "pass:secret");
        assertTrue(Files.readString(encrypted).contains("BEGIN ENCRYPTED PRIVATE KEY"));
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, encrypted));
        assertMessage(e, encrypted.toString(), "encrypted", "unencrypted", "asks for the passphrase",
                "openssl pkcs8 -topk8 -nocrypt -in " + encrypted);
        // The operator would type the passphrase; the test passes it on the command line.
        assertEquals(RSA_LOCALHOST.leaf(), KeyMaterialLoader.fromPem(cert, runSuggestion(e, "-passin", "pass:secret")).leaf());
    }

    @Test
    void keyOfAnotherCertificateIsRejected() throws Exception {
        write(RSA_LOCALHOST);
        Path otherKey = dir.resolve("other-key.pem");
        SelfSignedCertificate.writePem(TlsTestSupport.RSA_A, dir.resolve("other.pem"), otherKey);
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, otherKey));
        assertMessage(e, "does not match the certificate", "CN=localhost", cert.toString(), otherKey.toString(),
                "both files must be replaced together");
        // An EC key with an RSA certificate is a mismatch too, not a crash.
        SelfSignedCertificate.writePem(EC_LOCALHOST, dir.resolve("ec.pem"), otherKey);
        assertMessage(assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(cert, otherKey)),
                "does not match");
    }

    @Test
    void leafNotFirstInChainIsExplained() throws Exception {
        write(RSA_LOCALHOST);
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, Pem.encode("CERTIFICATE", EC_LOCALHOST.leaf().getEncoded()) + Files.readString(cert));
        TlsMaterialException e = assertThrows(TlsMaterialException.class, () -> KeyMaterialLoader.fromPem(chain, key));
        assertMessage(e, "certificate number 2", "put the server certificate first");
    }

    @Test
    void expiredCertificateStillLoads() throws Exception {
        // notBefore is backdated one hour, so a validity of -30 minutes ended half an hour ago.
        KeyMaterial expired = SelfSignedCertificate.generate("EC", List.of("old.test"), Duration.ofMinutes(-30));
        write(expired);
        KeyMaterial loaded = KeyMaterialLoader.fromPem(cert, key);
        assertTrue(loaded.leaf().getNotAfter().getTime() < System.currentTimeMillis());
    }

    @Test
    void pkcs12RoundTripForRsaAndEc() throws Exception {
        for (KeyMaterial material : List.of(RSA_LOCALHOST, EC_LOCALHOST)) {
            write(material);
            Path p12 = dir.resolve("server.p12");
            run(dir, "openssl", "pkcs12", "-export", "-inkey", key.toString(), "-in", cert.toString(), "-out",
                    p12.toString(), "-passout", "pass:changeit");
            KeyMaterial loaded = KeyMaterialLoader.fromPkcs12(p12, "changeit".toCharArray());
            assertEquals(material.leaf(), loaded.leaf());
            assertEquals(material.keyAlgorithm(), loaded.keyAlgorithm());
            assertEquals(p12.toString(), loaded.source());
        }
    }

    @Test
    void pkcs12WrongPassword() throws Exception {
        write(RSA_LOCALHOST);
        Path p12 = dir.resolve("server.p12");
        run(dir, "openssl", "pkcs12", "-export", "-inkey", key.toString(), "-in", cert.toString(), "-out",
                p12.toString(), "-passout", "pass:changeit");
        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> KeyMaterialLoader.fromPkcs12(p12, "wrong".toCharArray()));
        assertMessage(e, "PKCS#12 file " + p12, "configured password", "check the password");
    }

    @Test
    void pkcs12WithoutPrivateKey() throws Exception {
        write(RSA_LOCALHOST);
        Path p12 = dir.resolve("trust-only.p12");
        run(dir, "openssl", "pkcs12", "-export", "-nokeys", "-in", cert.toString(), "-out", p12.toString(),
                "-passout", "pass:changeit");
        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> KeyMaterialLoader.fromPkcs12(p12, "changeit".toCharArray()));
        assertMessage(e, "PKCS#12 file " + p12, "contains no private key", "openssl pkcs12 -export");
    }

    @Test
    void pkcs12NotAPkcs12File() throws Exception {
        write(RSA_LOCALHOST);
        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> KeyMaterialLoader.fromPkcs12(cert, "changeit".toCharArray()));
        assertMessage(e, "PKCS#12 file " + cert, "not a valid PKCS#12");
    }

    /** Runs the command the message suggests (plus extra arguments) and returns its output file. */
    private Path runSuggestion(TlsMaterialException e, String... extra) throws Exception {
        Matcher m = SUGGESTED_COMMAND.matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        List<String> command = new ArrayList<>(Arrays.asList(m.group(1).split(" ")));
        command.addAll(List.of(extra));
        run(dir, command.toArray(new String[0]));
        return Path.of(command.get(command.indexOf("-out") + 1));
    }
}
