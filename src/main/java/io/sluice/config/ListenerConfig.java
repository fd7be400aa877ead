package io.sluice.config;

/**
 * A bound address and protocol. A listener with {@code tls} is https; a listener with
 * {@code redirectTo} answers every request with a 308 to that https listener.
 */
public record ListenerConfig(String name, BindAddress bind, boolean http2, String redirectTo, TlsConfig tls) {

    public boolean isHttps() {
        return tls != null;
    }

    public String protocol() {
        return isHttps() ? "https" : "http";
    }
}
