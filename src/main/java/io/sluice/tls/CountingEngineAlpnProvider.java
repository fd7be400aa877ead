package io.sluice.tls;

import io.undertow.protocols.alpn.ALPNManager;
import io.undertow.protocols.alpn.ALPNProvider;
import javax.net.ssl.SSLEngine;

/**
 * Undertow's ALPN for a {@link HandshakeCountingEngine}: the provider that fits the engine inside does
 * the work on that engine. Without this, OpenSSLAlpnProvider would not recognise the wrapper (it
 * matches the class name org.wildfly.openssl.OpenSSLEngine) and ModularJdkAlpnProvider would take it
 * and set the protocols through SSLParameters, which wildfly-openssl ignores: OpenSSL listeners would
 * silently fall back to HTTP/1.1. Registered in META-INF/services, with a priority above Undertow's
 * providers (OpenSSL 400, JDK 200) so that it is asked first.
 */
public final class CountingEngineAlpnProvider implements ALPNProvider {

    @Override
    public boolean isEnabled(SSLEngine engine) {
        return engine instanceof HandshakeCountingEngine counting && inner(counting) != null;
    }

    @Override
    public SSLEngine setProtocols(SSLEngine engine, String[] protocols) {
        HandshakeCountingEngine counting = (HandshakeCountingEngine) engine;
        SSLEngine configured = inner(counting).setProtocols(counting.delegate(), protocols);
        return counting.around(configured); // Undertow's providers return the same engine; a new one is wrapped too
    }

    @Override
    public String getSelectedProtocol(SSLEngine engine) {
        HandshakeCountingEngine counting = (HandshakeCountingEngine) engine;
        return inner(counting).getSelectedProtocol(counting.delegate());
    }

    @Override
    public int getPriority() {
        return 1000;
    }

    /**
     * The protocol ALPN chose on a connection whose handshake has ended, or null: none was
     * chosen, or the engine cannot say (wildfly-openssl's engine does not implement
     * {@code SSLEngine.getApplicationProtocol}; Undertow's providers ask it their own way).
     */
    public static String selectedProtocol(SSLEngine engine) {
        try {
            ALPNProvider provider = ALPNManager.INSTANCE.getProvider(engine);
            return provider == null ? null : provider.getSelectedProtocol(engine);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The provider Undertow would pick for the wrapped engine (a wrapper never wraps a wrapper, so no loop). */
    private static ALPNProvider inner(HandshakeCountingEngine counting) {
        return ALPNManager.INSTANCE.getProvider(counting.delegate());
    }

    @Override
    public String toString() {
        return "CountingEngineAlpnProvider";
    }
}
