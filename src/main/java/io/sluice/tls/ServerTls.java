package io.sluice.tls;

import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * A listener's server-side TLS, ready for {@code Undertow.Builder.addHttpsListener(port, host, context)}.
 *
 * <p>The context already applies {@code protocols} and {@code cipherSuites} to every engine it
 * creates; passing the same lists as XNIO SSL_ENABLED_PROTOCOLS / SSL_ENABLED_CIPHER_SUITES options
 * as well is harmless.
 *
 * @param context      the server SSLContext (SNI-aware when there are several certificates)
 * @param engine       "openssl" or "jdk"
 * @param engineDetail for the log, e.g. "OpenSSL 3.0.17 1 Jul 2025" or "JDK 17.0.15 SunJSSE"
 * @param protocols    the enabled protocols, as supported by this engine
 * @param cipherSuites the enabled cipher suites, spelled as this engine spells them: the JDK's IANA names,
 *                     except that wildfly-openssl writes TLS 1.2 ChaCha20 suites without the trailing
 *                     _SHA256 (TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305) and CCM ones as AES_128_CBC_CCM(8)
 * @param warning      null, or a sentence for the log (e.g. why AUTO fell back to the JDK engine)
 * @param clientAuth   "" without client certificates, else for the log, e.g.
 *                     "client certificates required (CA /etc/sluice/clients-ca.pem, CRL /etc/sluice/clients.crl)"
 */
public record ServerTls(SSLContext context, String engine, String engineDetail, List<String> protocols,
        List<String> cipherSuites, String warning, String clientAuth) {

    public ServerTls {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }
}
