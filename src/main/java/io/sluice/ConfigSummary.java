package io.sluice;

import io.sluice.config.CertificateSource;
import io.sluice.config.ListenerConfig;
import io.sluice.config.MemberConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.RouteConfig;
import io.sluice.config.SluiceConfig;
import java.util.stream.Collectors;

/** The one-screen summary {@code sluice check} prints for a valid configuration. */
final class ConfigSummary {
    private ConfigSummary() {
    }

    static String render(SluiceConfig config) {
        StringBuilder out = new StringBuilder();
        out.append("configuration ").append(config.source()).append(" is valid\n");
        out.append("listeners:\n");
        for (ListenerConfig listener : config.listeners()) {
            out.append(String.format("  %-12s %-22s %s", listener.name(), listener.bind(), listener.protocol()));
            if (listener.redirectTo() != null) {
                out.append(" -> 308 to ").append(listener.redirectTo());
            }
            if (listener.isHttps()) {
                out.append(listener.http2() ? " h2" : "").append(" engine=").append(listener.tls().engine().name().toLowerCase())
                        .append(" certificates: ").append(listener.tls().certificates().stream()
                                .map(CertificateSource::describe).collect(Collectors.joining(", ")));
                if (!listener.tls().clientAuth().describe().isEmpty()) {
                    out.append(", ").append(listener.tls().clientAuth().describe());
                }
            }
            out.append('\n');
        }
        out.append("routes:\n");
        for (RouteConfig route : config.routes()) {
            String match = (route.host() == null ? "" : route.host()) + route.prefix();
            String target = route.pool() != null ? "pool " + route.pool() : "status " + route.status();
            out.append(String.format("  %-28s -> %s", match, target));
            if (route.rewrite() != null) {
                out.append(", rewrite ").append(route.prefix()).append(" -> ").append(route.rewrite());
            }
            if (!route.denyMethods().isEmpty()) {
                out.append(", deny ").append(String.join(",", route.denyMethods()));
            }
            if (route.clientCertificateHeader() != null) {
                out.append(", client certificate in ").append(route.clientCertificateHeader().describe());
            }
            out.append('\n');
        }
        out.append("pools:\n");
        for (PoolConfig pool : config.pools().values()) {
            out.append("  ").append(pool.name()).append(": ").append(pool.members().size()).append(" member(s), ")
                    .append(pool.method().name().toLowerCase().replace('_', '-'));
            if (!pool.profile().isEmpty()) {
                out.append(", profile ").append(pool.profile());
            }
            if (pool.sticky().enabled()) {
                out.append(", sticky ").append(pool.sticky().modes().stream().map(mode -> mode.name().toLowerCase())
                        .collect(Collectors.joining("+"))).append(" on ").append(String.join("/", pool.sticky().cookies()));
                if (pool.sticky().has(io.sluice.config.StickyConfig.AffinityMode.INSERT)) {
                    out.append(", inserts ").append(pool.sticky().insert().cookie());
                }
                if (!pool.sticky().failover()) {
                    out.append(" (no failover)");
                }
            }
            if (pool.health().enabled()) {
                out.append(", health ").append(pool.health().method()).append(' ').append(pool.health().path())
                        .append(" every ").append(pool.health().interval().toMillis()).append("ms");
            }
            if (pool.hasHttpsMembers()) {
                out.append(pool.tls().verify() ? ", backend TLS verified" : ", backend TLS NOT verified");
            }
            out.append(", response-timeout ").append(pool.responseTimeout().toSeconds()).append('s');
            if (!pool.internalOrigins().isEmpty()) {
                out.append(", internal origins ").append(pool.internalOrigins().stream().map(Object::toString)
                        .collect(Collectors.joining(" ")));
            }
            out.append('\n');
            for (MemberConfig member : pool.members()) {
                out.append(String.format("    %-14s %s", member.name(), member.url()));
                if (!member.route().isEmpty()) {
                    out.append(" route=").append(member.route());
                }
                out.append(" weight=").append(member.weight());
                if (member.state() != io.sluice.config.MemberState.ACTIVE) {
                    out.append(' ').append(member.state().configName());
                }
                out.append('\n');
            }
        }
        out.append("deny-methods: ").append(String.join(",", config.denyMethods())).append('\n');
        io.sluice.config.ClusterConfig cluster = config.cluster();
        if (cluster.enabled()) {
            out.append("cluster: ").append(cluster.name()).append(", this instance ").append(cluster.bind()).append(", ")
                    .append(cluster.dns().isEmpty() ? "peers " + cluster.peers() : "peers from DNS " + cluster.dns())
                    .append(", secret from ").append(cluster.secretFile()).append('\n');
        }
        return out.toString();
    }
}
