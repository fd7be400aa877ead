package io.sluice.listener;

import io.undertow.protocols.http2.Http2DataStreamSinkChannel;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Protocols;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * Enforces limits.http2-max-concurrent-streams on each HTTP/2 connection. Undertow advertises
 * SETTINGS_MAX_CONCURRENT_STREAMS when told to, but never refuses a stream over it: it counts
 * them and carries on. Here a stream over the limit is reset with REFUSED_STREAM, which tells
 * the client the request was not processed and may be retried (RFC 9113 section 5.1.2).
 *
 * <p>The count lives on the HTTP/2 connection (an attachment, which Undertow keeps on the
 * connection for all of its streams), and one counter object serves as the completion
 * listener of all the connection's exchanges: nothing is allocated per request. HTTP/1.1
 * exchanges pass with one comparison.
 *
 * <p>Undertow has no public way from an exchange to its HTTP/2 connection and stream id, so
 * they are read from the exchange's {@link Http2ServerConnection} with a VarHandle; if a future
 * Undertow renames them, the stream is cancelled (RST_STREAM CANCEL) instead and a warning says so
 * once at start.
 */
final class Http2StreamLimit implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Http2StreamLimit.class);
    private static final AttachmentKey<Streams> STREAMS = AttachmentKey.create(Streams.class);
    private static final VarHandle CHANNEL;
    private static final VarHandle RESPONSE;

    static {
        VarHandle channel = null;
        VarHandle response = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Http2ServerConnection.class, MethodHandles.lookup());
            channel = lookup.findVarHandle(Http2ServerConnection.class, "channel", Http2Channel.class);
            response = lookup.findVarHandle(Http2ServerConnection.class, "responseChannel", Http2DataStreamSinkChannel.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("this Undertow hides the HTTP/2 stream of an exchange ({}); streams over limits.http2-max-concurrent-streams"
                    + " are cancelled (RST_STREAM CANCEL) instead of refused", e.toString());
        }
        CHANNEL = channel;
        RESPONSE = response;
    }

    private final int maxStreams;
    private final HttpHandler next;
    private final AdmissionEvents events;

    Http2StreamLimit(int maxStreams, HttpHandler next, AdmissionEvents events) {
        this.maxStreams = maxStreams;
        this.next = next;
        this.events = events;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.getProtocol() != Protocols.HTTP_2_0) {
            next.handleRequest(exchange);
            return;
        }
        // Every stream of a connection starts on the connection's IO thread: no race on the first put.
        ServerConnection connection = exchange.getConnection();
        Streams streams = connection.getAttachment(STREAMS);
        if (streams == null) {
            streams = new Streams();
            connection.putAttachment(STREAMS, streams);
        }
        if (streams.incrementAndGet() > maxStreams) {
            streams.decrementAndGet();
            events.streamRefused();
            refuse(exchange);
            return;
        }
        exchange.addExchangeCompleteListener(streams);
        next.handleRequest(exchange);
    }

    private static void refuse(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        if (CHANNEL != null && connection instanceof Http2ServerConnection http2) {
            Http2Channel channel = (Http2Channel) CHANNEL.get(http2);
            Http2DataStreamSinkChannel sink = (Http2DataStreamSinkChannel) RESPONSE.get(http2);
            channel.sendRstStream(sink.getStreamId(), Http2Channel.ERROR_REFUSED_STREAM);
        } else {
            IoUtils.safeClose(connection);
        }
        // The exchange is left unanswered, not ended: ending it would close the stream's request
        // channel, and a DATA frame the client had already sent on the stream would then find no
        // channel, which Undertow answers with GOAWAY PROTOCOL_ERROR for the whole connection.
        // The reset stream keeps its channel (which drops such frames) in Undertow's reset-stream
        // cache; nothing else holds the exchange.
    }

    /** A connection's open streams; also the completion listener that gives a stream's place back. */
    private static final class Streams extends AtomicInteger implements ExchangeCompletionListener {
        @Override
        public void exchangeEvent(HttpServerExchange exchange, NextListener nextListener) {
            decrementAndGet();
            nextListener.proceed();
        }
    }
}
