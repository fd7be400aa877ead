package io.sluice.tls;

import java.util.List;

/**
 * What a listener asks of its TLS engine. Empty lists mean "Sluice's defaults":
 * {@link ServerTlsFactory#MODERN_PROTOCOLS} and {@link ServerTlsFactory#MODERN_CIPHER_SUITES}.
 *
 * @param engine               which implementation to use; null means AUTO
 * @param protocols            e.g. TLSv1.3, TLSv1.2
 * @param cipherSuites         IANA names as the JDK spells them (both engines accept these)
 * @param applicationProtocols ALPN names the listener will offer, e.g. h2, http/1.1 (used for checks only:
 *                             Undertow's ALPN listener does the negotiation itself)
 * @param clientTrust          whether and how client certificates are asked for and verified
 */
public record ServerTlsSettings(TlsEngine engine, List<String> protocols, List<String> cipherSuites,
        List<String> applicationProtocols, ClientTrust clientTrust) {

    /** Without client certificates (the admin listener, tests, benchmarks). */
    public ServerTlsSettings(TlsEngine engine, List<String> protocols, List<String> cipherSuites,
            List<String> applicationProtocols) {
        this(engine, protocols, cipherSuites, applicationProtocols, ClientTrust.NONE);
    }

    public ServerTlsSettings {
        clientTrust = clientTrust == null ? ClientTrust.NONE : clientTrust;
        engine = engine == null ? TlsEngine.AUTO : engine;
        protocols = protocols == null ? List.of() : List.copyOf(protocols);
        cipherSuites = cipherSuites == null ? List.of() : List.copyOf(cipherSuites);
        applicationProtocols = applicationProtocols == null ? List.of() : List.copyOf(applicationProtocols);
    }
}
