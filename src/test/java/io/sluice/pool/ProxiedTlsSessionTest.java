package io.sluice.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.SSLSessionInfo;
import java.security.cert.Certificate;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.xnio.SslClientAuthMode;

/** The view reads cipher, key size and session id from the session once, and again after a renegotiation. */
class ProxiedTlsSessionTest {

    /** A session that counts how often it is asked, as the engine's JNI calls would be made. */
    private static final class CountingSession implements SSLSessionInfo {
        int asked;
        String suite = "TLS_AES_128_GCM_SHA256";

        @Override
        public byte[] getSessionId() {
            asked++;
            return new byte[] {1, 2, 3};
        }

        @Override
        public String getCipherSuite() {
            asked++;
            return suite;
        }

        @Override
        public int getKeySize() {
            asked++;
            return 128;
        }

        @Override
        public Certificate[] getPeerCertificates() {
            throw new AssertionError("the view answers none itself");
        }

        @Override
        @SuppressWarnings("removal")
        public javax.security.cert.X509Certificate[] getPeerCertificateChain() {
            throw new AssertionError("the view answers none itself");
        }

        @Override
        public void renegotiate(HttpServerExchange exchange, SslClientAuthMode mode) {
            suite = "TLS_AES_256_GCM_SHA384";
        }

        @Override
        public SSLSession getSSLSession() {
            return null;
        }
    }

    @Test
    void asksTheSessionOncePerConnectionAndAgainAfterRenegotiation() throws Exception {
        CountingSession session = new CountingSession();
        ProxiedTlsSession view = new ProxiedTlsSession(session);
        for (int request = 0; request < 100; request++) {
            assertEquals("TLS_AES_128_GCM_SHA256", view.getCipherSuite());
            assertEquals(128, view.getKeySize());
            assertArrayEquals(new byte[] {1, 2, 3}, view.getSessionId());
            assertEquals(0, view.getPeerCertificates().length);
        }
        assertEquals(3, session.asked);
        byte[] id = view.getSessionId();
        id[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, view.getSessionId(), "callers get a copy of the id");
        assertNotSame(view.getSessionId(), view.getSessionId());

        view.renegotiate(null, SslClientAuthMode.REQUIRED);
        assertEquals("TLS_AES_256_GCM_SHA384", view.getCipherSuite());
        view.getKeySize();
        view.getSessionId();
        assertEquals(6, session.asked);
    }
}
