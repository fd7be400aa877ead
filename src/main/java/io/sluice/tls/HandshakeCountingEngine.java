package io.sluice.tls;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * A server SSLEngine that reports its connection's handshake to {@link HandshakeOutcomes}, once,
 * and otherwise forwards every call to the engine it wraps (JSSE's, wildfly-openssl's, or Undertow's
 * SNISSLEngine).
 *
 * <p>Why a wrapper: it is the one per-connection hook both engines share. Undertow creates one engine
 * per accepted connection from the listener's SSLContext and drives it with wrap/unwrap; it offers no
 * handshake listener a listener's owner can set, and wildfly-openssl has no handshake callback.
 *
 * <p>Completed: the engine first says FINISHED (in a wrap/unwrap result, or from getHandshakeStatus,
 * where wildfly-openssl may report it), or unwrap hands out application data, which only a finished
 * handshake can. Failed: wrap/unwrap throws before that (an alert such as a client rejecting the
 * certificate, a protocol the listener does not enable, bytes that are not TLS), or the engine is
 * closed before that after the client sent at least one byte (it gave up, or was cut off). A
 * connection that closes without sending a byte (a port probe, a TCP health check) started no
 * handshake and counts as neither.
 *
 * <p>Cost: one allocation per connection. Once the handshake is counted, each wrap/unwrap pays one
 * plain field read, no lock and no allocation. The outcome is settled with a compare-and-set, so it
 * is reported exactly once even if the engine were used from two threads.
 *
 * <p>After the handshake, wraps on wildfly-openssl's engine gather a response's buffers into one
 * record ({@link OneRecordWrap}).
 *
 * <p>Undertow's ALPN code recognises engines by class (OpenSSLAlpnProvider by the class name
 * OpenSSLEngine, SNIAlpnEngineManager by SNISSLEngine), so a wrapper would hide both and break h2 on
 * the OpenSSL engine. {@link CountingEngineAlpnProvider} and {@link CountingEngineAlpnManager}, ahead
 * of Undertow's own, hand them the engine inside instead; when the SNI engine picks its per-certificate
 * engine, that one is wrapped again ({@link #around}) sharing this connection's state, because Undertow
 * then talks to the picked engine directly.
 */
final class HandshakeCountingEngine extends SSLEngine {

    private static final int NEW = 0;       // no handshake byte received yet
    private static final int STARTED = 1;   // the client sent a byte
    private static final int SETTLED = 2;   // reported: nothing more to watch
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(HandshakeCountingEngine.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SSLEngine delegate;
    /** The connection's first wrapper, which holds the state; itself, except for an engine the SNI engine picked. */
    private final HandshakeCountingEngine connection;
    private final HandshakeOutcomes outcomes;
    /** Whether wraps after the handshake go through {@link OneRecordWrap} (wildfly-openssl's engine). */
    private final boolean oneRecord;
    /**
     * Changed only through STATE (compare-and-set), on the connection's first wrapper. The hot path
     * reads it plainly: a stale value only sends one call down the slow path, whose CAS decides.
     */
    private int state;

    HandshakeCountingEngine(SSLEngine delegate, HandshakeOutcomes outcomes) {
        super(delegate.getPeerHost(), delegate.getPeerPort());
        this.delegate = delegate;
        this.connection = this;
        this.outcomes = outcomes;
        this.oneRecord = OneRecordWrap.needed(delegate);
    }

    private HandshakeCountingEngine(SSLEngine delegate, HandshakeCountingEngine connection) {
        super(delegate.getPeerHost(), delegate.getPeerPort());
        this.delegate = delegate;
        this.connection = connection;
        this.outcomes = connection.outcomes;
        this.oneRecord = OneRecordWrap.needed(delegate);
    }

    SSLEngine delegate() {
        return delegate;
    }

    /** This wrapper if {@code engine} is the one it wraps, else a wrapper of {@code engine} counting for the same connection. */
    SSLEngine around(SSLEngine engine) {
        return engine == delegate ? this : new HandshakeCountingEngine(engine, connection);
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        if (connection.state == SETTLED) {
            return oneRecord ? OneRecordWrap.wrap(delegate, srcs, offset, length, dst) : delegate.wrap(srcs, offset, length, dst);
        }
        SSLEngineResult result;
        try {
            result = delegate.wrap(srcs, offset, length, dst);
        } catch (SSLException | RuntimeException e) {
            connection.settle(false);
            throw e;
        }
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            connection.settle(true);
        }
        return result;
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        if (connection.state == SETTLED) {
            return delegate.unwrap(src, dsts, offset, length);
        }
        if (src != null && src.hasRemaining()) {
            // The client spoke, even if the engine consumes nothing yet: Undertow's SNI engine waits for
            // a whole record, so a client that gives up in the middle of one never got further than this.
            connection.started();
        }
        SSLEngineResult result;
        try {
            result = delegate.unwrap(src, dsts, offset, length);
        } catch (SSLException | RuntimeException e) {
            connection.settle(false);
            throw e;
        }
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED || result.bytesProduced() > 0) {
            connection.settle(true);
        }
        return result;
    }

    @Override
    public HandshakeStatus getHandshakeStatus() {
        HandshakeStatus status = delegate.getHandshakeStatus();
        if (status == HandshakeStatus.FINISHED && connection.state != SETTLED) {
            connection.settle(true);
        }
        return status;
    }

    @Override
    public void closeInbound() throws SSLException {
        try {
            delegate.closeInbound();
        } finally {
            connection.closedEarly();
        }
    }

    @Override
    public void closeOutbound() {
        try {
            delegate.closeOutbound();
        } finally {
            connection.closedEarly();
        }
    }

    /** Run once when this connection's handshake ends (set before the handshake can start). */
    private volatile Runnable onSettled;

    void onSettled(Runnable action) {
        connection.onSettled = action;
    }

    private void runOnSettled() {
        Runnable action = onSettled;
        if (action != null) {
            action.run();
        }
    }

    /** Whether this connection's handshake has ended, completed or failed (a volatile read). */
    boolean settled() {
        return (int) STATE.getVolatile(connection) == SETTLED;
    }

    private void started() {
        if (state == NEW) {
            STATE.compareAndSet(this, NEW, STARTED);
        }
    }

    /** Closed while the client was still handshaking: it gave up or was cut off. */
    private void closedEarly() {
        if (state == STARTED && STATE.compareAndSet(this, STARTED, SETTLED)) {
            outcomes.failed();
            runOnSettled();
        }
    }

    private void settle(boolean completed) {
        for (int seen = (int) STATE.getVolatile(this); seen != SETTLED; seen = (int) STATE.getVolatile(this)) {
            if (STATE.compareAndSet(this, seen, SETTLED)) {
                if (completed) {
                    outcomes.completed();
                } else {
                    outcomes.failed();
                }
                runOnSettled();
                return;
            }
        }
    }

    // Everything below only forwards.

    @Override
    public Runnable getDelegatedTask() {
        return delegate.getDelegatedTask();
    }

    @Override
    public boolean isInboundDone() {
        return delegate.isInboundDone();
    }

    @Override
    public boolean isOutboundDone() {
        return delegate.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return delegate.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        delegate.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return delegate.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return delegate.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        delegate.setEnabledProtocols(protocols);
    }

    @Override
    public SSLSession getSession() {
        return delegate.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
        return delegate.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException {
        delegate.beginHandshake();
    }

    @Override
    public void setUseClientMode(boolean mode) {
        delegate.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return delegate.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        delegate.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return delegate.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        delegate.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return delegate.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        delegate.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return delegate.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
        return delegate.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters parameters) {
        delegate.setSSLParameters(parameters);
    }

    @Override
    public String getApplicationProtocol() {
        return delegate.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return delegate.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
        delegate.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return delegate.getHandshakeApplicationProtocolSelector();
    }

    @Override
    public String getPeerHost() {
        return delegate.getPeerHost();
    }

    @Override
    public int getPeerPort() {
        return delegate.getPeerPort();
    }

    @Override
    public String toString() {
        return "HandshakeCountingEngine[" + delegate + "]";
    }
}
