package io.sluice.pool;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The pool's backend trust decisions, with one addition: a member whose certificate is
 * rejected is taken out of rotation at once, with the reason in the log. Undertow starts
 * the TLS handshake only after its pool reports the connection made, so without this a
 * member with a bad certificate would stay in rotation and fail request after request.
 */
final class MemberTrust extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private volatile Member[] members = new Member[0];

    MemberTrust(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    void watch(Member[] poolMembers) {
        this.members = poolMembers.clone();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            rejected(engine == null ? null : engine.getPeerHost(), engine == null ? -1 : engine.getPeerPort(), e);
            throw e;
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    private void rejected(String host, int port, CertificateException e) {
        if (host == null) {
            return;
        }
        String lowerHost = host.toLowerCase(Locale.ROOT);
        for (Member member : members) {
            if (member.config().url().getPort() == port && member.config().url().getHost().toLowerCase(Locale.ROOT).equals(lowerHost)) {
                member.markFailed("its TLS certificate was rejected (" + e.getMessage() + ")");
            }
        }
    }
}
