package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.bridge.SLF4JBridgeHandler;

class OpenSslTest {

    @Test
    void loadsOnceWithPinnedLibrariesAndWithoutTakingOverTls() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"));
        OpenSslStatus[] concurrent = Stream.generate(() -> CompletableFuture.supplyAsync(OpenSsl::status)).limit(4)
                .toList().stream().map(CompletableFuture::join).toArray(OpenSslStatus[]::new);
        OpenSslStatus status = OpenSsl.status();
        for (OpenSslStatus other : concurrent) {
            assertSame(status, other);
        }
        assertTrue(status.available(), status.detail());
        assertTrue(status.version().matches("OpenSSL \\d+\\.\\d+\\.\\d+\\S* .*"), status.version());
        // Debian 12: libssl.so.3 from the multiarch directory, not whatever java.library.path offers.
        if (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libssl.so.3"))) {
            assertTrue(status.detail().contains("libssl /usr/lib/x86_64-linux-gnu/libssl.so.3"), status.detail());
        }
        String libwfssl = System.getProperty(OpenSsl.PATH_LIBWFSSL);
        assertTrue(status.detail().endsWith("libwfssl " + libwfssl), status.detail());
        // wildfly-openssl's own fallback extracts to java.io.tmpdir/tmp-<digits>openssl/; we never let it.
        assertTrue(!libwfssl.matches(".*/tmp-\\d+openssl/.*"), libwfssl);

        // register(), not registerFirst(): plain "TLS" is still the JDK's.
        assertEquals("SunJSSE", SSLContext.getInstance("TLS").getProvider().getName());
        assertEquals("openssl", SSLContext.getInstance("openssl.TLS").getProvider().getName());
        assertTrue(SLF4JBridgeHandler.isInstalled(), "JUL bridged to SLF4J for wildfly-openssl's logs");
    }

    /** Without the surefire property, our own search finds the copy the build unpacked next to target/classes. */
    @Test
    void searchFindsTheShippedLibwfsslNextToTheClasses() {
        String configured = System.getProperty(OpenSsl.PATH_LIBWFSSL);
        Assumptions.assumeTrue(configured != null && Files.isRegularFile(Path.of(configured)));
        Path expected = Path.of(configured).toAbsolutePath().normalize();
        assertTrue(OpenSsl.libwfsslCandidates().contains(expected), () -> OpenSsl.libwfsslCandidates() + " lacks " + expected);
    }
}
