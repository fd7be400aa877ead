package io.sluice.tls;

/** Which TLS implementation serves a listener. */
public enum TlsEngine {
    /** OpenSSL when it is loaded and every certificate is RSA, otherwise the JDK (with a warning saying why). */
    AUTO,
    /** wildfly-openssl: about 2-3x the full-handshake rate of JSSE, but RSA certificates only. */
    OPENSSL,
    /** JSSE: RSA and EC certificates, and the faster one for bulk/keep-alive traffic on JDK 17+. */
    JDK
}
