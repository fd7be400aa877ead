package io.sluice.config;

/** Request header policy toward backends. */
public record HeadersConfig(boolean preserveHost, String requestIdHeader) {
}
