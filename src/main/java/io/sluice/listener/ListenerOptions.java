package io.sluice.listener;

import io.sluice.config.LimitsConfig;
import io.undertow.UndertowOptions;
import io.undertow.Undertow;

/** Applies the client-side limits to an Undertow builder: one place for every listener. */
final class ListenerOptions {
    private ListenerOptions() {
    }

    static void apply(Undertow.Builder builder, LimitsConfig limits, boolean http2) {
        builder.setServerOption(UndertowOptions.ENABLE_HTTP2, http2)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, (int) Math.min(Integer.MAX_VALUE, limits.maxHeaderSize()))
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(limits.requestParseTimeout()))
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, millis(limits.idleTimeout()))
                // Undertow caps bodies at 2 MiB by default since 2.3.21, which breaks uploads
                // through the proxy. Its cap also ends an oversize chunked body as if complete
                // toward the backend, so limits.max-body-size is enforced by BodyLimit instead.
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .setServerOption(UndertowOptions.ALLOW_ENCODED_SLASH, false)
                .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, false)
                // per-listener connections, requests, errors and bytes for /metrics
                .setServerOption(UndertowOptions.ENABLE_STATISTICS, true);
    }

    private static int millis(java.time.Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
