package io.sluice.tls;

import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * An initialised SSLContext whose engines come out with our protocols (and cipher suites) already set.
 *
 * <p>Why: an SSLContext carries no "enabled protocols", and each consumer configures engines its own
 * way. Undertow's listener only does so when XNIO SSL options are passed; wildfly-openssl's engine
 * defaults do not even list TLSv1.3; and Undertow's SNISSLEngine reports an empty "supported" list
 * until someone sets one, so XNIO's filter-by-supported would otherwise reduce the options to an
 * empty list. Setting them here makes the context safe to hand to any of them as is.
 *
 * <p>The engines are the delegate's own objects (not wrappers), because Undertow's ALPN providers
 * recognise engines by their class (OpenSSLEngine, SNISSLEngine). (A listener's
 * {@link HandshakeCountingContext} does wrap them, and comes with its own ALPN glue for that.) Socket
 * factories are the delegate's, unconfigured: Undertow and the JDK HttpClient use engines only.
 */
final class ConfiguredSslContext extends SSLContext {

    ConfiguredSslContext(SSLContext delegate, List<String> protocols, List<String> cipherSuites) {
        this(delegate, protocols, cipherSuites, ClientAuthMode.NONE);
    }

    /**
     * @param clientAuth set on every engine here rather than through XNIO's SSL_CLIENT_AUTH_MODE option:
     *                   the mode then travels with the context, which a reload swaps in for a running
     *                   listener (ListenerStarter.refreshTls) without touching its accept options
     */
    ConfiguredSslContext(SSLContext delegate, List<String> protocols, List<String> cipherSuites, ClientAuthMode clientAuth) {
        super(new Spi(delegate, protocols.toArray(new String[0]),
                cipherSuites == null ? null : cipherSuites.toArray(new String[0]), clientAuth),
                delegate.getProvider(), delegate.getProtocol());
    }

    private static final class Spi extends DelegatingSslContextSpi {

        private final String[] protocols;
        private final String[] cipherSuites; // null: keep the engine's defaults
        private final ClientAuthMode clientAuth;

        Spi(SSLContext delegate, String[] protocols, String[] cipherSuites, ClientAuthMode clientAuth) {
            super(delegate);
            this.protocols = protocols;
            this.cipherSuites = cipherSuites;
            this.clientAuth = clientAuth;
        }

        @Override
        SSLEngine adapt(SSLEngine engine) {
            engine.setEnabledProtocols(protocols.clone());
            if (cipherSuites != null) {
                engine.setEnabledCipherSuites(cipherSuites.clone());
            }
            // Only the one call: setting "want" after "need" (or the reverse) clears the other, and
            // Undertow's SNISSLEngine replays exactly what was set onto the engine it picks.
            if (clientAuth == ClientAuthMode.REQUIRED) {
                engine.setNeedClientAuth(true);
            } else if (clientAuth == ClientAuthMode.OPTIONAL) {
                engine.setWantClientAuth(true);
            }
            return engine;
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            // Read from a configured engine rather than the delegate: the SPI default opens a socket,
            // which wildfly-openssl and SNISSLContext do not support well.
            return engineCreateSSLEngine().getSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            SSLEngine engine = delegate.createSSLEngine();
            return new SSLParameters(engine.getSupportedCipherSuites(), engine.getSupportedProtocols());
        }
    }
}
