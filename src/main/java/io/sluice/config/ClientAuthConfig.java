package io.sluice.config;

import io.sluice.tls.ClientAuthMode;
import io.sluice.tls.ClientTrust;
import io.sluice.tls.TlsMaterialException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * An https listener's client-certificate settings (tls.client-auth, client-ca, client-crl).
 *
 * @param ca  PEM bundle of the CAs whose client certificates are accepted; null when mode is NONE
 * @param crl PEM or DER CRLs checked for revocation; null for none
 */
public record ClientAuthConfig(ClientAuthMode mode, Path ca, Path crl) {

    public static final ClientAuthConfig NONE = new ClientAuthConfig(ClientAuthMode.NONE, null, null);

    /** Reads the CA bundle and CRLs (again, on every start and reload: a CRL is replaced as it is renewed). */
    public ClientTrust load() throws TlsMaterialException {
        if (mode == ClientAuthMode.NONE) {
            return ClientTrust.NONE;
        }
        List<X509Certificate> cas = ClientTrust.caCertificates(ca);
        List<X509CRL> crls = crl == null ? List.of() : ClientTrust.crls(crl, cas);
        return ClientTrust.of(mode, cas, crls, describe());
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
