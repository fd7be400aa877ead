package io.sluice.config;

import io.sluice.tls.TlsEngine;
import java.util.List;

/** TLS settings of an https listener; certificates are listed default first. */
public record TlsConfig(TlsEngine engine, List<CertificateSource> certificates, List<String> protocols, List<String> cipherSuites,
                        ClientAuthConfig clientAuth) {

    public TlsConfig {
        clientAuth = clientAuth == null ? ClientAuthConfig.NONE : clientAuth;
        certificates = List.copyOf(certificates);
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }
}
