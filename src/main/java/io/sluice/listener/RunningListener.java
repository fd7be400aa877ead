package io.sluice.listener;

import io.sluice.config.ListenerConfig;
import io.undertow.server.ConnectorStatistics;
import io.undertow.server.OpenListener;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

/**
 * A bound listener: its listening socket, the address the kernel gave it, its admission gate,
 * and what new connections get ({@link Serving}: config, protocol stack, TLS). A reload hands
 * the socket over to a new {@link Serving} ({@link ListenerStarter#prepare}): connections
 * accepted from then on get the new settings, connections already open keep the protocol stack
 * (and TLS session) they started with until they close. Nothing is rebound, so no connection
 * is refused or cut by a reload.
 */
public final class RunningListener {
    private final AcceptingChannel<? extends StreamConnection> channel;
    private final InetSocketAddress address;
    private final ListenerGate gate;
    private final AdmittingAcceptListener acceptor;
    private final OpenListeners openListeners;
    private volatile Serving serving;

    RunningListener(AcceptingChannel<? extends StreamConnection> channel, InetSocketAddress address, ListenerGate gate,
                    AdmittingAcceptListener acceptor, Serving serving) {
        this.channel = channel;
        this.address = address;
        this.gate = gate;
        this.acceptor = acceptor;
        this.serving = serving;
        this.openListeners = new OpenListeners(serving.openListener());
    }

    public ListenerConfig config() {
        return serving.config();
    }

    public InetSocketAddress address() {
        return address;
    }

    /** What the log said about the listener when its current settings took effect. */
    public String description() {
        return serving.description();
    }

    public ListenerGate gate() {
        return gate;
    }

    Serving serving() {
        return serving;
    }

    /**
     * New connections get {@code next} from now on. The previous protocol stack keeps serving the
     * connections it holds; its counters stay in this listener's statistics. Called by one reload
     * at a time.
     */
    void handOver(Serving next, long writeTimeoutMillis) {
        Serving previous = serving;
        if (next == previous) {
            return;
        }
        ListenerOptions.writeTimeout(channel, writeTimeoutMillis);
        gate.limit(next.config().maxConnections());
        acceptor.serve(next.accepting());
        serving = next;
        if (next.openListener() != previous.openListener()) {
            openListeners.handOver(next.openListener());
        }
    }

    /**
     * Closes the listening socket, so new connections are refused and clients (or the load
     * balancer in front) go elsewhere at once; connections already open keep being served.
     * (Undertow's own {@code ListenerInfo.suspend()} would also close every open connection,
     * cutting requests in flight.)
     */
    public void stopAccepting() {
        IoUtils.safeClose(channel);
    }

    /** Closes the connections still open (after a drain), then the listening socket if still open. */
    public void stop() {
        IoUtils.safeClose(channel);
        List<OpenListener> stacks = openListeners.all();
        // as Undertow's ListenerInfo.suspend() does: from an IO thread, which may be in the middle of an accept
        CountDownLatch closed = new CountDownLatch(1);
        channel.getIoThread().execute(() -> {
            try {
                stacks.forEach(OpenListener::closeConnections);
            } finally {
                closed.countDown();
            }
        });
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Undertow's counters for this listener (connections, requests, errors, bytes), across hand-overs. */
    public ConnectorStatistics statistics() {
        return openListeners;
    }
}
