package io.sluice.tls;

/**
 * Whether the OpenSSL TLS engine (wildfly-openssl) can be used in this JVM.
 *
 * @param available whether OpenSSL was loaded and the "openssl.TLS" SSLContext is registered
 * @param version   OpenSSL's own version string, e.g. "OpenSSL 3.0.17 1 Jul 2025"; null when not available
 * @param detail    which libssl/libcrypto/libwfssl files were used, or exactly why OpenSSL is unavailable
 */
public record OpenSslStatus(boolean available, String version, String detail) {
}
