package io.sluice.tls;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CRL;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How an https listener verifies client certificates: the mode, and a PKIX trust manager over the
 * CAs of {@code client-ca}, checking revocation against the CRLs of {@code client-crl} when set.
 *
 * <p>Both engines verify through this one trust manager: JSSE calls it itself, and wildfly-openssl
 * installs it as OpenSSL's certificate-verify callback (OpenSSLContextSPI.init), so CRLs work the
 * same on either. Revocation is checked from the file only: CRLs preferred with no fallback to OCSP,
 * and the JDK fetches no CRL distribution point by default, so a handshake never waits on the network.
 */
public record ClientTrust(ClientAuthMode mode, X509ExtendedTrustManager trustManager, String description) {

    public static final ClientTrust NONE = new ClientTrust(ClientAuthMode.NONE, null, "");

    public boolean enabled() {
        return mode != ClientAuthMode.NONE;
    }

    /** The CA certificates of a client-ca bundle (PEM); never empty. */
    public static List<X509Certificate> caCertificates(Path bundle) throws TlsMaterialException {
        return TrustMaterial.caCertificates(bundle);
    }

    /**
     * The CRLs of a client-crl file, PEM ("-----BEGIN X509 CRL-----", several allowed) or DER. Each
     * must be current (an expired CRL makes the JDK refuse every certificate of its CA) and, when its
     * issuer is among {@code cas}, signed by it.
     */
    public static List<X509CRL> crls(Path file, List<X509Certificate> cas) throws TlsMaterialException {
        byte[] bytes = Pem.readBytes(file, "CRL file");
        Collection<? extends CRL> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes));
        } catch (CertificateException | java.security.cert.CRLException e) {
            throw new TlsMaterialException("The TLS CRL file " + file + " is not a CRL in PEM or DER form (" + e.getMessage()
                    + "); export it from the CA with e.g. openssl ca -gencrl.", e);
        }
        if (parsed.isEmpty()) {
            throw new TlsMaterialException("The TLS CRL file " + file + " holds no CRL; it must hold '-----BEGIN X509 CRL-----'"
                    + " blocks or one DER CRL.");
        }
        Date now = new Date();
        List<X509CRL> crls = new ArrayList<>();
        for (CRL crl : parsed) {
            X509CRL x509 = (X509CRL) crl;
            String issuer = x509.getIssuerX500Principal().getName();
            if (x509.getNextUpdate() != null && x509.getNextUpdate().before(now)) {
                throw new TlsMaterialException("The CRL of " + issuer + " in " + file + " expired at " + x509.getNextUpdate().toInstant()
                        + ", so every certificate of that CA would be refused; fetch a current CRL from the CA and reload.");
            }
            for (X509Certificate ca : cas) {
                if (ca.getSubjectX500Principal().equals(x509.getIssuerX500Principal())) {
                    try {
                        x509.verify(ca.getPublicKey());
                    } catch (GeneralSecurityException e) {
                        throw new TlsMaterialException("The CRL of " + issuer + " in " + file + " is not signed by that CA's"
                                + " certificate in the client CA bundle (" + e.getMessage() + "); use the CRL this CA issued.", e);
                    }
                }
            }
            crls.add(x509);
        }
        return List.copyOf(crls);
    }

    /**
     * @param crls empty for no revocation checking; otherwise every CA that issues client (or
     *             intermediate) certificates must have its CRL here, or its certificates are refused
     *             ("revocation status unknown"), as with nginx's ssl_crl
     */
    public static ClientTrust of(ClientAuthMode mode, List<X509Certificate> cas, List<X509CRL> crls, String description)
            throws TlsMaterialException {
        if (mode == ClientAuthMode.NONE) {
            return NONE;
        }
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : cas) {
                anchors.add(new TrustAnchor(ca, null));
            }
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, null);
            if (crls.isEmpty()) {
                parameters.setRevocationEnabled(false);
            } else {
                parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
                PKIXRevocationChecker checker = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
                checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK));
                parameters.addCertPathChecker(checker);
                parameters.setRevocationEnabled(true);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(new CertPathTrustManagerParameters(parameters));
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return new ClientTrust(mode, extended, description);
                }
            }
            throw new TlsMaterialException("The JDK's PKIX trust manager factory made no X509ExtendedTrustManager; check the Java installation.");
        } catch (InvalidAlgorithmParameterException e) {
            throw new TlsMaterialException("The client CA bundle cannot be used as trust anchors (" + e.getMessage()
                    + "); it must hold CA certificates.", e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("Client certificate verification cannot be set up (" + e + "); check the Java installation.", e);
        }
    }

    /** The trust managers to initialise a server SSLContext with: null (the engine's default, unused) when off. */
    TrustManager[] trustManagers() {
        return enabled() ? new TrustManager[] {trustManager} : null;
    }
}
