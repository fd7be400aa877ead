package io.sluice.tls;

import java.net.Socket;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts every certificate chain, for backends configured with {@code verify = off}.
 *
 * <p>It extends X509ExtendedTrustManager on purpose: JSSE performs the host-name (endpoint
 * identification) check inside the trust manager methods that receive the SSLEngine or Socket, and
 * only wraps a plain X509TrustManager in a checker that still does it. Being "extended" and doing
 * nothing therefore also switches off the host-name check, for this context only, without the
 * JVM-wide {@code io.undertow.client.https.disableEndpointIdentification} property.
 */
final class TrustAllManager extends X509ExtendedTrustManager {

    static final TrustAllManager INSTANCE = new TrustAllManager();

    private static final X509Certificate[] NONE = new X509Certificate[0];

    private TrustAllManager() {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NONE;
    }
}
