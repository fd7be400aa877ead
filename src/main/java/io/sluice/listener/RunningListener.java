package io.sluice.listener;

import io.sluice.config.ListenerConfig;
import io.undertow.Undertow;
import java.net.InetSocketAddress;

/** A bound listener: its config, its Undertow instance and the address the kernel gave it. */
public record RunningListener(ListenerConfig config, Undertow undertow, InetSocketAddress address, String description) {

    public void stop() {
        undertow.stop();
    }
}
