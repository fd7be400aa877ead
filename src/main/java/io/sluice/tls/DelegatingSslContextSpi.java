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
 * The SPI of an SSLContext that wraps an initialised one: every engine the delegate creates
 * passes through {@link #adapt}; everything else is the delegate's. Shared by
 * {@link ConfiguredSslContext} (engines with our protocols set) and
 * {@link HandshakeCountingContext} (engines that count handshakes).
 */
abstract class DelegatingSslContextSpi extends SSLContextSpi {

    final SSLContext delegate;

    DelegatingSslContextSpi(SSLContext delegate) {
        this.delegate = delegate;
    }

    /** What an engine of the delegate becomes before anyone uses it. */
    abstract SSLEngine adapt(SSLEngine engine);

    @Override
    protected final void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
        // The delegate was initialised before it was wrapped; there is nothing left to set up.
    }

    @Override
    protected final SSLEngine engineCreateSSLEngine() {
        return adapt(delegate.createSSLEngine());
    }

    @Override
    protected final SSLEngine engineCreateSSLEngine(String host, int port) {
        return adapt(delegate.createSSLEngine(host, port));
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
    protected final SSLSocketFactory engineGetSocketFactory() {
        return delegate.getSocketFactory();
    }

    @Override
    protected final SSLServerSocketFactory engineGetServerSocketFactory() {
        return delegate.getServerSocketFactory();
    }

    @Override
    protected final SSLSessionContext engineGetServerSessionContext() {
        return delegate.getServerSessionContext();
    }

    @Override
    protected final SSLSessionContext engineGetClientSessionContext() {
        return delegate.getClientSessionContext();
    }
}
