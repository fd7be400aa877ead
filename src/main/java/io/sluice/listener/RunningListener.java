package io.sluice.listener;

import io.sluice.config.ListenerConfig;
import io.undertow.Undertow;
import java.net.InetSocketAddress;

/** A bound listener: its config, its Undertow instance and the address the kernel gave it. */
public record RunningListener(ListenerConfig config, Undertow undertow, InetSocketAddress address, String description) {

    /** The same socket serving under a newer config (e.g. another redirect target). */
    public RunningListener withConfig(ListenerConfig newer, String newDescription) {
        return new RunningListener(newer, undertow, address, newDescription);
    }

    /** Stops accepting new connections; connections already open keep being served. */
    public void suspendAccepting() {
        for (Undertow.ListenerInfo info : undertow.getListenerInfo()) {
            info.suspend();
        }
    }

    /** Undertow's counters for this listener (connections, requests, errors, bytes). */
    public io.undertow.server.ConnectorStatistics statistics() {
        return undertow.getListenerInfo().get(0).getConnectorStatistics();
    }

    public void stop() {
        undertow.stop();
    }
}
