package io.sluice.config;

import io.sluice.tls.ClientAuthMode;
import io.sluice.tls.ClientTrust;
import io.sluice.tls.TlsMaterialException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * An https listener's client-certificate settings (tls.client-auth, client-ca, client-crl), with
 * the certificates and CRLs as read from those files when the configuration was loaded. Holding
 * the contents (certificates and CRLs compare by their encoding) makes a renewed CRL or CA
 * bundle a changed TLS setting, so a reload builds the listener a new TLS context for it even
 * though the paths stayed the same.
 *
 * @param ca           PEM bundle of the CAs whose client certificates are accepted; null when mode is NONE
 * @param crl          PEM or DER CRLs checked for revocation; null for none
 * @param certificates the CA certificates read from {@code ca}
 * @param crls         the CRLs read from {@code crl}
 */
public record ClientAuthConfig(ClientAuthMode mode, Path ca, Path crl, List<X509Certificate> certificates, List<X509CRL> crls) {

    public static final ClientAuthConfig NONE = new ClientAuthConfig(ClientAuthMode.NONE, null, null, List.of(), List.of());

    public ClientAuthConfig {
        certificates = List.copyOf(certificates);
        crls = List.copyOf(crls);
    }

    /** The trust the listener's TLS context verifies client certificates with. */
    public ClientTrust trust() throws TlsMaterialException {
        return ClientTrust.of(mode, certificates, crls, describe());
    }

    /** For the log and sluice check: "client certificates required (CA ..., CRL ...)", or "". */
    public String describe() {
        if (mode == ClientAuthMode.NONE) {
            return "";
        }
        return "client certificates " + (mode == ClientAuthMode.REQUIRED ? "required" : "optional") + " (CA " + ca
                + (crl == null ? ", no CRL" : ", CRL " + crl) + ")";
    }
}
