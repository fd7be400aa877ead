package io.sluice.listener;

import io.sluice.config.LimitsConfig;
import io.undertow.UndertowOptions;
import org.xnio.OptionMap;
import org.xnio.Options;

/** The options every listener is opened with: one place for all of them. */
final class ListenerOptions {
    private ListenerOptions() {
    }

    /** Undertow's options for the connections: the client-side limits and protocol switches. */
    static OptionMap serverOptions(LimitsConfig limits, boolean http2) {
        return OptionMap.builder()
                .set(UndertowOptions.ENABLE_HTTP2, http2)
                .set(UndertowOptions.MAX_HEADER_SIZE, (int) Math.min(Integer.MAX_VALUE, limits.maxHeaderSize()))
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(limits.requestParseTimeout()))
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, millis(limits.idleTimeout()))
                // Undertow caps bodies at 2 MiB by default since 2.3.21, which breaks uploads
                // through the proxy. Its cap also ends an oversize chunked body as if complete
                // toward the backend, so limits.max-body-size is enforced by BodyLimit instead.
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .set(UndertowOptions.ALLOW_ENCODED_SLASH, false)
                // Undertow's default, stated: a request target or HTTP/2 :path with characters
                // outside RFC 3986 (space, quotes, backslash, raw non-ASCII) is refused with 400
                .set(UndertowOptions.ALLOW_UNESCAPED_CHARACTERS_IN_URL, false)
                .set(UndertowOptions.RECORD_REQUEST_START_TIME, false)
                // responses to pipelined requests leave in one write (Undertow.start()'s default)
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                // per-listener connections, requests, errors and bytes for /metrics
                .set(UndertowOptions.ENABLE_STATISTICS, true)
                // advertised in SETTINGS; Undertow does not enforce it, Http2StreamLimit does
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams())
                .getMap();
    }

    /**
     * The listening socket's options; accepts are spread over the IO threads as Undertow.start() does.
     * WRITE_TIMEOUT is copied by XNIO onto every accepted connection, and Undertow's open listeners
     * (HTTP/1.1 and HTTP/2 alike) then put one WriteTimeoutStreamSinkConduit on the connection, once:
     * a client that reads nothing of its response for limits.write-timeout is disconnected. (The
     * per-request conduit that made WRITE_TIMEOUT leak on backend connections is on the client side
     * of Undertow, HttpClientConnection.sendRequest; the server side installs it per connection.)
     */
    static OptionMap socketOptions(int ioThreads, LimitsConfig limits) {
        return OptionMap.builder()
                .set(Options.WRITE_TIMEOUT, millis(limits.writeTimeout()))
                .set(Options.WORKER_IO_THREADS, ioThreads)
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1024)
                .getMap();
    }

    /**
     * A reload's new limits.write-timeout on a bound listening socket: XNIO copies it onto the
     * connections it accepts from then on (see {@link #socketOptions}).
     */
    static void writeTimeout(org.xnio.channels.AcceptingChannel<?> channel, long millis) {
        try {
            channel.setOption(Options.WRITE_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, millis));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int millis(java.time.Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
