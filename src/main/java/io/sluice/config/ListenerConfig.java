package io.sluice.config;

import java.util.List;

/**
 * A bound address and protocol. A listener with {@code tls} is https; a listener with
 * {@code redirectTo} answers every request with a 308 to that https listener.
 * {@code http2} is ALPN h2 on an https listener; {@code h2c} opts a plain listener into
 * HTTP/2 over cleartext (Upgrade: h2c and prior knowledge). {@code maxConnections} bounds the
 * client connections open on this listener (HAProxy's maxconn on a bind line).
 * {@code serverNames} are the host names it serves (lower case, "*.domain" wildcards);
 * empty means any valid Host.
 */
public record ListenerConfig(String name, BindAddress bind, boolean http2, String redirectTo, TlsConfig tls,
                             boolean h2c, int maxConnections, List<String> serverNames) {

    public boolean isHttps() {
        return tls != null;
    }

    public String protocol() {
        return isHttps() ? "https" : "http";
    }
}
