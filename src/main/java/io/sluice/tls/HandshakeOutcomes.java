package io.sluice.tls;

/**
 * Where a listener's TLS engines report how each connection's handshake ended: exactly one call per
 * connection that started a handshake. Called on IO threads, so implementations must not block.
 */
public interface HandshakeOutcomes {

    /** The handshake finished (a full or a resumed one alike). */
    void completed();

    /** The handshake failed (an alert, a protocol error, bytes that are not TLS) or the connection closed before it finished. */
    void failed();
}
