package io.sluice.pool;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.SSLSessionInfo;
import io.undertow.server.ServerConnection;
import java.io.IOException;
import java.security.cert.Certificate;
import javax.net.ssl.SSLSession;
import org.xnio.SslClientAuthMode;

/**
 * The client's TLS session as Undertow's {@code ProxyHandler} sees it: everything from the
 * real session except the peer certificates, which are always none.
 *
 * <p>Why: {@code ProxyHandler} copies the client certificate, cipher, session id and key size
 * of every TLS request into attachments that only its AJP client forwards. Sluice's listeners
 * never ask for client certificates, so there are none to copy; but over HTTP/2 Undertow makes
 * a new session view per stream, and asking it for the missing certificates throws two
 * exceptions per request (JSSE's {@code SSLPeerUnverifiedException}, then Undertow's
 * {@code RenegotiationRequiredException}): 9.6 % of the proxy's CPU in bench/run.sh's h2-1k
 * case. Answering "none" directly is the same outcome without the stack traces.
 *
 * <p>The cipher suite, key size and session id are read from the session once per connection and
 * kept: {@code ProxyHandler} asks for all three on every request, and on the OpenSSL engine each
 * is a JNI call into the session (about 7 % of tls-1k's CPU on that engine in the bench's
 * profiles). They change only with a renegotiation, after which they are read again.
 */
final class ProxiedTlsSession implements SSLSessionInfo {
    private static final Certificate[] NONE = new Certificate[0];
    @SuppressWarnings("removal")
    private static final javax.security.cert.X509Certificate[] NO_CHAIN = new javax.security.cert.X509Certificate[0];

    private final SSLSessionInfo session;
    // Written and read on the connection's IO thread (HTTP/1.1) or for one stream (HTTP/2): no sharing.
    private String cipherSuite;
    private int keySize = -1;
    private byte[] sessionId;

    ProxiedTlsSession(SSLSessionInfo session) {
        this.session = session;
    }

    /** Puts the view on the exchange's connection, once per connection (HTTP/1.1) or stream (HTTP/2). */
    static void install(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        SSLSessionInfo session = connection.getSslSessionInfo();
        if (session != null && !(session instanceof ProxiedTlsSession)) {
            connection.setSslSessionInfo(new ProxiedTlsSession(session));
        }
    }

    @Override
    public Certificate[] getPeerCertificates() {
        return NONE;
    }

    @Override
    @SuppressWarnings("removal")
    public javax.security.cert.X509Certificate[] getPeerCertificateChain() {
        return NO_CHAIN;
    }

    @Override
    public byte[] getSessionId() {
        byte[] id = sessionId;
        if (id == null) {
            id = session.getSessionId();
            sessionId = id;
        }
        return id == null ? null : id.clone();
    }

    @Override
    public String getCipherSuite() {
        String suite = cipherSuite;
        if (suite == null) {
            suite = session.getCipherSuite();
            cipherSuite = suite;
        }
        return suite;
    }

    @Override
    public int getKeySize() {
        int size = keySize;
        if (size < 0) {
            size = session.getKeySize();
            keySize = size;
        }
        return size;
    }

    @Override
    public void renegotiate(HttpServerExchange exchange, SslClientAuthMode sslClientAuthMode) throws IOException {
        cipherSuite = null;
        keySize = -1;
        sessionId = null;
        session.renegotiate(exchange, sslClientAuthMode);
    }

    @Override
    public SSLSession getSSLSession() {
        return session.getSSLSession();
    }
}
