package io.sluice.http;

import io.sluice.syntax.LineSafety;
import com.codahale.metrics.Counter;
import io.sluice.pool.RequestTrace;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.util.ConduitFactory;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Guards a proxied request body as it streams to the backend.
 *
 * <ul>
 * <li>limits.max-body-size: a declared Content-Length over the limit is refused before any
 * backend is contacted; a body without a declared length (chunked, HTTP/2) is counted,
 * and on crossing the limit the backend connection is closed first, so the backend sees
 * a broken upload and never a truncated body that looks complete (which is what
 * Undertow's own MAX_ENTITY_SIZE does through the proxy).</li>
 * <li>limits.body-idle-timeout: a body that receives nothing for that long is aborted the
 * same way (the backend connection reset first), then the client's connection is closed, or
 * for HTTP/2 its stream reset (RST_STREAM CANCEL), so a client that stops sending cannot hold
 * a backend connection and a stream for ever. Undertow has no such bound: its read timeout
 * would also fire while the client waits for a slow backend.</li>
 * <li>HTTP/2 request trailers holding CR, LF or NUL are dropped before Undertow's proxy
 * writes them as HTTP/1.1 trailer lines (see {@link LineSafety}).</li>
 * <li>Trailer fields named like a header no client may send (the client-certificate headers)
 * are removed, as {@link RequestHeadersHandler} removes them from the head: Undertow's proxy
 * forwards request trailers, and some servers merge trailers into the headers.</li>
 * </ul>
 *
 * <p>The idle check is a timer on the exchange's IO thread (the thread that reads the body)
 * ticking every half timeout: two ticks in a row without a byte end the body, so a stalled
 * body is ended between 1 and 1.5 times the timeout after its last byte. Reads pay one
 * addition; the timer allocates nothing after the first tick.
 */
public final class RequestBodyGuard {
    private RequestBodyGuard() {
    }

    public static boolean declaredTooLarge(HttpServerExchange exchange, long limit) {
        return limit >= 0 && exchange.getRequestContentLength() > limit;
    }

    /** Whether this request has a body to guard. */
    public static boolean needed(HttpServerExchange exchange) {
        return !exchange.isRequestComplete();
    }

    /**
     * Wraps the body (call only when {@link #needed}); limit -1 = no size limit.
     *
     * @param forbiddenTrailers trailer fields removed before the proxy forwards the trailers
     */
    public static void install(HttpServerExchange exchange, long limit, long idleTimeoutMillis, RequestTrace trace, Counter idleTimeouts,
                               HttpString[] forbiddenTrailers) {
        exchange.addRequestWrapper((ConduitFactory<StreamSourceConduit> factory, HttpServerExchange guarded) ->
                new GuardedSource(factory.create(), guarded, limit < 0 ? Long.MAX_VALUE : limit, idleTimeoutMillis, trace, idleTimeouts,
                        forbiddenTrailers));
    }

    private static final class GuardedSource extends AbstractStreamSourceConduit<StreamSourceConduit> implements Runnable {
        private final HttpServerExchange exchange;
        private final RequestTrace trace;
        private final Counter idleTimeouts;
        private final HttpString[] forbiddenTrailers;
        private final long tickMillis;
        private long remaining;
        /** Bytes received; read and written on the exchange's IO thread only, like the fields below. */
        private long received;
        private long receivedAtLastTick;
        private int silentTicks;
        private boolean ended;
        private XnioExecutor.Key tick;

        GuardedSource(StreamSourceConduit next, HttpServerExchange exchange, long limit, long idleTimeoutMillis, RequestTrace trace,
                      Counter idleTimeouts, HttpString[] forbiddenTrailers) {
            super(next);
            this.forbiddenTrailers = forbiddenTrailers;
            this.exchange = exchange;
            this.remaining = limit;
            this.trace = trace;
            this.idleTimeouts = idleTimeouts;
            this.tickMillis = Math.max(1, idleTimeoutMillis / 2);
            this.tick = exchange.getIoThread().executeAfter(this, tickMillis, TimeUnit.MILLISECONDS);
        }

        private long counted(long read) throws IOException {
            if (read > 0) {
                received += read;
                remaining -= read;
                if (remaining < 0) {
                    end();
                    trace.abortBackendForOversizeBody();
                    throw new IOException("request body exceeds limits.max-body-size");
                }
            } else if (read == -1) {
                end();
                HeaderMap trailers = exchange.getAttachment(HttpAttachments.REQUEST_TRAILERS);
                if (trailers != null) {
                    for (HttpString name : forbiddenTrailers) {
                        trailers.remove(name);
                    }
                    if (!LineSafety.isSafe(trailers)) {
                        exchange.removeAttachment(HttpAttachments.REQUEST_TRAILERS);
                    }
                }
            }
            return read;
        }

        private void end() {
            ended = true;
            XnioExecutor.Key pending = tick;
            if (pending != null) {
                pending.remove();
                tick = null;
            }
        }

        /** The idle timer's tick. */
        @Override
        public void run() {
            tick = null;
            if (ended || exchange.isComplete()) {
                return;
            }
            if (!exchange.getConnection().isOpen()) {
                // The client left while its body was awaited; the proxy's body transfer is not told
                // (a closed HTTP/2 connection does not wake its streams' readers), so the exchange
                // would wait for the backend for ever. Resetting the backend ends it.
                ended = true;
                trace.abortBackendForStalledBody();
                return;
            }
            if (received != receivedAtLastTick) {
                receivedAtLastTick = received;
                silentTicks = 0;
            } else if (++silentTicks >= 2) {
                ended = true;
                idleTimeouts.inc();
                trace.abortBackendForStalledBody();
                IoUtils.safeClose(exchange.getConnection());
                return;
            }
            tick = exchange.getIoThread().executeAfter(this, tickMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void terminateReads() throws IOException {
            end();
            next.terminateReads();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return (int) counted(next.read(dst));
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return counted(next.read(dsts, offset, length));
        }

        @Override
        public long transferTo(long position, long count, FileChannel target) throws IOException {
            return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
        }

        @Override
        public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
            return IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target);
        }
    }
}
