package io.sluice.listener;

import io.sluice.tls.CountingEngineAlpnProvider;
import io.sluice.tls.HandshakeCountingContext;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.AcceptingChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;
import org.xnio.ssl.SslConnection;

/**
 * A listener's accept listener, in place of {@code ChannelListeners.openListenerAdapter}:
 * admission first, then Undertow's open listener.
 *
 * <ul>
 * <li>Over a connection limit ({@link ListenerGate}), the new connection is reset at once
 * (SO_LINGER 0: the client learns at once, and no TIME_WAIT is left here), and counted.</li>
 * <li>An admitted connection holds its places until its TCP connection closes, whoever closes it
 * and whatever protocol it switched to: the count is released by the close listener of the
 * accepted TCP connection itself, which every path ends in (XNIO merges close listeners).</li>
 * <li>TLS: the listener accepts plain TCP and wraps it here with the listener's
 * {@link UndertowXnioSsl} (what Undertow's accepting TLS channel does, which would hide the TCP
 * connection). A connection whose handshake has not ended within limits.tls-handshake-timeout is
 * closed: nothing in Undertow bounds it (its ALPN listener waits for the handshake with no timer).</li>
 * <li>Plain http: a connection that has sent no byte within limits.request-parse-timeout is
 * closed (HAProxy's timeout http-request, NGINX's client_header_timeout); Undertow would keep
 * it for the idle timeout. Once a byte arrives, Undertow's parse and idle timeouts take over.</li>
 * <li>Reads suspended by Undertow between a request's head and the end of its exchange leave the
 * socket registered with the selector unless the client sends meanwhile ({@link LazyReadSuspend}).</li>
 * <li>A TLS connection on which ALPN chose h2 gathers what it writes in one IO-loop turn into one
 * system call ({@link CoalescingWrites}).</li>
 * </ul>
 *
 * <p>Cost per connection: one watch object, one timer, one close listener; nothing per request.
 */
final class AdmittingAcceptListener implements ChannelListener<AcceptingChannel<StreamConnection>> {
    private static final Logger LOG = LoggerFactory.getLogger(AdmittingAcceptListener.class);

    private final ListenerGate gate;
    private volatile Accepting accepting;

    /**
     * How a new connection is taken in: the protocol stack it goes to and, for https, the TLS it is
     * wrapped in; the timeouts that bound its handshake or its first byte. One immutable value, so a
     * reload swaps all of it at once for the connections accepted after it.
     */
    record Accepting(ChannelListener<? super StreamConnection> openListener, UndertowXnioSsl ssl, OptionMap sslOptions,
                     long handshakeTimeoutMillis, long silenceTimeoutMillis, ByteBufferPool coalescingBuffers) {
    }

    AdmittingAcceptListener(ListenerGate gate, Accepting accepting) {
        this.gate = gate;
        this.accepting = accepting;
    }

    /** Connections accepted from now on are taken in this way; those already accepted are not touched. */
    void serve(Accepting next) {
        accepting = next;
    }

    @Override
    public void handleEvent(AcceptingChannel<StreamConnection> server) {
        Accepting how = accepting;
        UndertowXnioSsl ssl = how.ssl();
        StreamConnection accepted;
        try {
            accepted = server.accept();
        } catch (IOException e) {
            LOG.debug("accept failed", e);
            return;
        }
        if (accepted == null) {
            return;
        }
        int slot = gate.admit(accepted, ssl != null);
        if (slot == ListenerGate.REFUSED) {
            reset(accepted);
            return;
        }
        Watch watch = new Watch(gate, slot);
        accepted.setCloseListener(watch);
        try {
            LazyReadSuspend.install(accepted);
            if (ssl == null) {
                Silence silence = new Silence(accepted.getSourceChannel().getConduit());
                accepted.getSourceChannel().setConduit(silence);
                watch.watchSilence(accepted, silence, how.silenceTimeoutMillis());
                ChannelListeners.invokeChannelListener(accepted, how.openListener());
            } else {
                // under TLS, which takes the socket's conduit as it finds it
                CoalescingWrites writes = CoalescingWrites.install(accepted, how.coalescingBuffers());
                watch.coalescing = writes;
                SslConnection tls = ssl.wrapExistingConnection(accepted, how.sslOptions(), false);
                SSLEngine engine = UndertowXnioSsl.getSslEngine(tls);
                watch.watchHandshake(tls, engine, how.handshakeTimeoutMillis());
                HandshakeCountingContext.onHandshakeEnd(engine, () -> {
                    watch.handshakeEnded();
                    if ("h2".equals(CountingEngineAlpnProvider.selectedProtocol(engine))) {
                        writes.coalesce();
                    }
                });
                ChannelListeners.invokeChannelListener(tls, how.openListener());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not set up a connection from {}: {}", accepted.getPeerAddress(), e.toString());
            IoUtils.safeClose(accepted);
        }
    }

    private static void reset(StreamConnection connection) {
        try {
            connection.setOption(Options.CLOSE_ABORT, true);
        } catch (IOException | RuntimeException ignored) {
            // closed anyway, with a FIN instead
        }
        IoUtils.safeClose(connection);
    }

    /**
     * One admitted connection: gives its places back when the TCP connection closes (its handshake
     * place as soon as the handshake ends), and runs its one timer (handshake or first byte), which
     * the close cancels.
     */
    private static final class Watch extends AtomicBoolean implements ChannelListener<StreamConnection>, Runnable {
        private final ListenerGate gate;
        private final int slot;
        private volatile XnioExecutor.Key timer;
        private StreamConnection connection;
        private SSLEngine engine;
        private Silence silence;
        /** A TLS connection's write gathering: its buffer goes back when the connection closes. */
        private CoalescingWrites coalescing;

        Watch(ListenerGate gate, int slot) {
            this.gate = gate;
            this.slot = slot;
        }

        void watchSilence(StreamConnection plain, Silence silence, long millis) {
            this.connection = plain;
            this.silence = silence;
            schedule(plain, millis);
        }

        void watchHandshake(SslConnection tls, SSLEngine engine, long millis) {
            this.connection = tls;
            this.engine = engine;
            schedule(tls, millis);
        }

        /** The handshake ended, or the connection closed: the handshake place is given back once (the flag says it was). */
        void handshakeEnded() {
            if (engine != null && compareAndSet(false, true)) {
                gate.handshakeEnded();
            }
        }

        private void schedule(StreamConnection on, long millis) {
            timer = on.getIoThread().executeAfter(this, millis, TimeUnit.MILLISECONDS);
        }

        /** The timer: on the connection's IO thread. */
        @Override
        public void run() {
            timer = null;
            StreamConnection watched = connection;
            if (!watched.isOpen()) {
                return;
            }
            if (engine != null) {
                if (!HandshakeCountingContext.handshakeEnded(engine)) {
                    gate.events().handshakeTimedOut();
                    IoUtils.safeClose(watched);
                }
            } else if (!silence.spoke) {
                gate.events().silentClosed();
                IoUtils.safeClose(watched);
            }
        }

        /** The TCP connection closed. */
        @Override
        public void handleEvent(StreamConnection closed) {
            XnioExecutor.Key pending = timer;
            if (pending != null) {
                pending.remove();
            }
            handshakeEnded();
            gate.release(slot);
            CoalescingWrites writes = coalescing;
            if (writes != null) {
                if (closed.getIoThread() == Thread.currentThread()) {
                    writes.closed();
                } else {
                    closed.getIoThread().execute(writes::closed);
                }
            }
        }
    }

    /** Notes the first byte a plain connection receives; otherwise passes every call through. */
    private static final class Silence extends AbstractStreamSourceConduit<StreamSourceConduit> {
        /** Written and read on the connection's IO thread only. */
        boolean spoke;

        Silence(StreamSourceConduit next) {
            super(next);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int read = next.read(dst);
            if (read != 0) {
                spoke = true;
            }
            return read;
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            long read = next.read(dsts, offset, length);
            if (read != 0) {
                spoke = true;
            }
            return read;
        }
    }
}
