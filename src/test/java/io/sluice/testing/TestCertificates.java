package io.sluice.testing;

import io.sluice.tls.KeyMaterial;
import io.sluice.tls.SelfSignedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Self-signed certificates for end-to-end tests, generated once per JVM and key type/names
 * (RSA key generation is slow), and written as PEM files where a config needs them.
 */
public final class TestCertificates {
    private static final Map<String, KeyMaterial> CACHE = new ConcurrentHashMap<>();

    private TestCertificates() {
    }

    /** The certificate and key files of one certificate, plus the material itself. */
    public record PemFiles(Path certificate, Path key, KeyMaterial material) {
        /** The two HOCON lines {@code certificate = "...", key = "..."}. */
        public String hocon() {
            return "certificate = \"" + certificate + "\", key = \"" + key + "\"";
        }
    }

    /** A self-signed certificate of {@code algorithm} ("RSA" or "EC") for these names; the first is the CN. */
    public static KeyMaterial material(String algorithm, String... names) {
        return CACHE.computeIfAbsent(algorithm + " " + String.join(",", names),
                key -> SelfSignedCertificate.generate(algorithm, List.of(names), Duration.ofDays(1)));
    }

    /** Writes {@link #material} as dir/&lt;stem&gt;.crt.pem and dir/&lt;stem&gt;.key.pem. */
    public static PemFiles write(Path dir, String algorithm, String... names) {
        KeyMaterial material = material(algorithm, names);
        String stem = algorithm.toLowerCase() + "-" + String.join("_", names).replace(':', '-');
        Path certificate = dir.resolve(stem + ".crt.pem");
        Path key = dir.resolve(stem + ".key.pem");
        try {
            if (!Files.exists(certificate)) {
                SelfSignedCertificate.writePem(material, certificate, key);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PemFiles(certificate, key, material);
    }

    /** A JSSE server context serving this certificate (for https test backends). */
    public static SSLContext serverContext(KeyMaterial material) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = "test".toCharArray();
            store.setKeyEntry("server", material.privateKey(), password, material.chain().toArray(new Certificate[0]));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS", "SunJSSE");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
