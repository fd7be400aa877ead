package io.sluice.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

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

    /**
     * Whether the handshake of a connection whose engine came from such a context has ended
     * (completed or failed). An engine from any other context counts as ended: there is nothing
     * to watch.
     */
    public static boolean handshakeEnded(SSLEngine engine) {
        return !(engine instanceof HandshakeCountingEngine counting) || counting.settled();
    }

    /**
     * Runs {@code action} once when the handshake of the connection whose engine this is ends
     * (completed or failed); never for an engine from another context. Set it before the handshake starts.
     */
    public static void onHandshakeEnd(SSLEngine engine, Runnable action) {
        if (engine instanceof HandshakeCountingEngine counting) {
            counting.onSettled(action);
        }
    }

    private static final class Spi extends DelegatingSslContextSpi {

        private final HandshakeOutcomes outcomes;

        Spi(SSLContext delegate, HandshakeOutcomes outcomes) {
            super(delegate);
            this.outcomes = outcomes;
        }

        @Override
        SSLEngine adapt(SSLEngine engine) {
            return new HandshakeCountingEngine(engine, outcomes);
        }
    }
}
