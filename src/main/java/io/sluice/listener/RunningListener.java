package io.sluice.listener;

import io.sluice.config.ListenerConfig;
import io.undertow.Undertow;
import io.undertow.server.ConnectorStatistics;
import java.net.InetSocketAddress;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

/**
 * A bound listener: its config, its listening socket, Undertow's view of it (open
 * connections, counters, TLS context), the address the kernel gave it, a description
 * for the log, and its admission gate (connections open against its max-connections).
 */
public record RunningListener(ListenerConfig config, AcceptingChannel<? extends StreamConnection> channel,
                              Undertow.ListenerInfo socket, InetSocketAddress address, String description, ListenerGate gate) {

    /** The same socket serving under a newer config (e.g. another redirect target). */
    public RunningListener withConfig(ListenerConfig newer, String newDescription) {
        return new RunningListener(newer, channel, socket, address, newDescription, gate);
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
        socket.suspend(); // closes the open connections, from their IO thread
        IoUtils.safeClose(channel);
    }

    /** Undertow's counters for this listener (connections, requests, errors, bytes). */
    public ConnectorStatistics statistics() {
        return socket.getConnectorStatistics();
    }
}
