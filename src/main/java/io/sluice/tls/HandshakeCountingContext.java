package io.sluice.tls;

import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A listener's server SSLContext whose engines report each connection's handshake to the listener's
 * {@link HandshakeOutcomes} (see {@link HandshakeCountingEngine}). Everything else is the wrapped
 * context's. The outcomes belong to the listener, not to this context, so a reload that swaps in a new
 * context for renewed certificates keeps counting into the same counters.
 */
public final class HandshakeCountingContext extends SSLContext {

    private HandshakeCountingContext(SSLContext delegate, HandshakeOutcomes outcomes) {
        super(new Spi(delegate, outcomes), delegate.getProvider(), delegate.getProtocol());
    }

    /** {@code context}, with every engine it creates counting handshakes into {@code outcomes}. */
    public static SSLContext wrap(SSLContext context, HandshakeOutcomes outcomes) {
        return new HandshakeCountingContext(context, outcomes);
    }

    private static final class Spi extends SSLContextSpi {

        private final SSLContext delegate;
        private final HandshakeOutcomes outcomes;

        Spi(SSLContext delegate, HandshakeOutcomes outcomes) {
            this.delegate = delegate;
            this.outcomes = outcomes;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            // The delegate was initialised before it was wrapped; there is nothing left to set up.
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return new HandshakeCountingEngine(delegate.createSSLEngine(), outcomes);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return new HandshakeCountingEngine(delegate.createSSLEngine(host, port), outcomes);
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return delegate.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return delegate.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return delegate.getServerSocketFactory();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }
    }
}
