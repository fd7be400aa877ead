package io.sluice.listener;

import io.sluice.config.ListenerConfig;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A bound listener: its config, its Undertow instance, the address the kernel gave it, and
 * its listening sockets as Undertow reported them at start (kept because {@link Undertow#stop()}
 * forgets them, while draining still needs their counters and their open connections).
 */
public record RunningListener(ListenerConfig config, Undertow undertow, InetSocketAddress address, String description,
                              List<Undertow.ListenerInfo> sockets) {

    public RunningListener(ListenerConfig config, Undertow undertow, InetSocketAddress address, String description) {
        this(config, undertow, address, description, List.copyOf(undertow.getListenerInfo()));
    }

    /** The same socket serving under a newer config (e.g. another redirect target). */
    public RunningListener withConfig(ListenerConfig newer, String newDescription) {
        return new RunningListener(newer, undertow, address, newDescription, sockets);
    }

    /**
     * Closes the listening socket, so new connections are refused and clients (or the load
     * balancer in front) go elsewhere at once; connections already open keep being served,
     * because they run on Sluice's shared worker, which {@link Undertow#stop()} leaves alone.
     * (Undertow's own {@code ListenerInfo.suspend()} would also close every open connection,
     * cutting requests in flight.)
     */
    public void stopAccepting() {
        undertow.stop();
    }

    /** Closes the connections still open (after a drain), then the listening socket if still open. */
    public void stop() {
        for (Undertow.ListenerInfo socket : sockets) {
            socket.suspend(); // closes the open connections, from their IO thread
        }
        undertow.stop();
    }

    /** Undertow's counters for this listener (connections, requests, errors, bytes). */
    public io.undertow.server.ConnectorStatistics statistics() {
        return sockets.get(0).getConnectorStatistics();
    }
}
