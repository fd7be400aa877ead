package io.sluice.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Trust decisions for Sluice's TLS connections to backends, and the client SSLContext that applies them. */
public final class TrustMaterial {

    /** Backends speak TLS 1.2 or 1.3; anything older is refused even if a local java.security re-enables it. */
    static final List<String> CLIENT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TrustMaterial() {
    }

    /** The JDK's default CAs (its cacerts, or javax.net.ssl.trustStore when set), with host-name checks. */
    public static X509ExtendedTrustManager systemTrust() {
        try {
            return extended(null);
        } catch (GeneralSecurityException e) {
            // The JDK's own cacerts always loads; failing here means a broken JDK installation.
            throw new IllegalStateException("the JDK default trust store cannot be loaded", e);
        }
    }

    /** Trusts exactly the certificates in the PEM bundle (typically the private CA of the backends), with host-name checks. */
    public static X509ExtendedTrustManager fromPemBundle(Path bundle) throws TlsMaterialException {
        List<X509Certificate> certificates = caCertificates(bundle);
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                anchors.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            return extended(anchors);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsMaterialException("The TLS CA bundle " + bundle + " cannot be used as a trust store ("
                    + e.getMessage() + "); check that it holds CA certificates.", e);
        }
    }

    /** The certificates of a PEM CA bundle, in file order; never empty. */
    static List<X509Certificate> caCertificates(Path bundle) throws TlsMaterialException {
        List<X509Certificate> certificates =
                KeyMaterialLoader.certificates(Pem.parse(Pem.readText(bundle, "CA bundle"), bundle), bundle);
        if (certificates.isEmpty()) {
            throw new TlsMaterialException("The TLS CA bundle " + bundle + " contains no PEM CERTIFICATE block; it must"
                    + " hold the CA certificates to trust as '-----BEGIN CERTIFICATE-----' blocks.");
        }
        return certificates;
    }

    /** For {@code verify = off}: accepts any certificate and skips the host-name check (see {@link TrustAllManager}). */
    public static X509ExtendedTrustManager trustAll() {
        return TrustAllManager.INSTANCE;
    }

    /**
     * A JSSE (SunJSSE, never OpenSSL) "TLS" context for connections to backends, limited to TLS 1.2
     * and 1.3. The provider is named so that a stray {@code OpenSSLProvider.registerFirst()} elsewhere
     * cannot swap the client engine underneath us.
     */
    public static SSLContext clientContext(X509ExtendedTrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS", "SunJSSE");
            context.init(null, new TrustManager[] {trust}, null);
            return new ConfiguredSslContext(context, CLIENT_PROTOCOLS, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable SunJSSE TLS context", e);
        }
    }

    private static X509ExtendedTrustManager extended(KeyStore anchors) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager) {
                return (X509ExtendedTrustManager) manager;
            }
        }
        throw new GeneralSecurityException("the default TrustManagerFactory made no X509ExtendedTrustManager");
    }
}
