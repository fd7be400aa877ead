package io.sluice.tls;

import io.undertow.protocols.alpn.ALPNEngineManager;
import io.undertow.protocols.alpn.ALPNManager;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;

/**
 * Undertow asks an ALPN engine manager when to set up ALPN on a new connection's engine: at once for
 * a plain engine, or, for its SNISSLEngine (an OpenSSL listener with several certificates), once the
 * client's SNI name has picked the per-certificate engine. SNIAlpnEngineManager recognises that engine
 * by class, so for a {@link HandshakeCountingEngine} this manager registers the engine inside with
 * Undertow's managers, and hands Undertow the picked engine wrapped again
 * ({@link HandshakeCountingEngine#around}): from then on Undertow talks to the picked engine directly,
 * and the handshake must still be counted. Registered in META-INF/services, with a priority above
 * Undertow's managers (SNI 100, default 0).
 */
public final class CountingEngineAlpnManager implements ALPNEngineManager {

    @Override
    public int getPriority() {
        return 1000;
    }

    @Override
    public boolean registerEngine(SSLEngine engine, Function<SSLEngine, SSLEngine> selected) {
        if (!(engine instanceof HandshakeCountingEngine counting)) {
            return false;
        }
        ALPNManager.INSTANCE.registerEngineCallback(counting.delegate(), picked -> selected.apply(counting.around(picked)));
        return true;
    }
}
