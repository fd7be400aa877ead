package io.sluice.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Several Sluice instances sharing learned sessions and run-time changes (active/active).
 * {@code bind} null means no cluster. Peers are found from {@code peers}, or from the
 * addresses {@code dns} resolves to (on the bind port). The secret, read from
 * {@code secretFile} at start, keys the cluster's encryption and message authentication.
 */
public record ClusterConfig(String name, BindAddress bind, List<BindAddress> peers, String dns, Path secretFile) {

    public static final ClusterConfig NONE = new ClusterConfig("", null, List.of(), "", null);

    public ClusterConfig {
        peers = List.copyOf(peers);
    }

    public boolean enabled() {
        return bind != null;
    }
}
