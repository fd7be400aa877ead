package io.sluice.config;

import io.sluice.tls.KeyMaterial;
import io.sluice.tls.KeyMaterialLoader;
import io.sluice.tls.SelfSignedCertificate;
import io.sluice.tls.TlsMaterialException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Where a listener's certificate and key come from. */
public sealed interface CertificateSource {

    KeyMaterial load() throws TlsMaterialException;

    String describe();

    record PemFiles(Path certificate, Path key) implements CertificateSource {
        @Override
        public KeyMaterial load() throws TlsMaterialException {
            return KeyMaterialLoader.fromPem(certificate, key);
        }

        @Override
        public String describe() {
            return certificate.toString();
        }
    }

    record Pkcs12File(Path file, String password) implements CertificateSource {
        @Override
        public KeyMaterial load() throws TlsMaterialException {
            return KeyMaterialLoader.fromPkcs12(file, password.toCharArray());
        }

        @Override
        public String describe() {
            return file.toString();
        }

        @Override
        public String toString() {
            return "Pkcs12File[file=" + file + ", password=<redacted>]";
        }
    }

    /** Generated at start; for demos and tests, never for production traffic. */
    record SelfSigned(List<String> hostNames) implements CertificateSource {
        public SelfSigned {
            hostNames = List.copyOf(hostNames);
        }

        @Override
        public KeyMaterial load() {
            return SelfSignedCertificate.generate("RSA", hostNames, Duration.ofDays(30));
        }

        @Override
        public String describe() {
            return "self-signed for " + String.join(", ", hostNames);
        }
    }
}
