package io.sluice.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.util.ConduitFactory;
import io.undertow.util.HeaderMap;
import io.undertow.util.Protocols;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.IoUtils;
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
 * <li>HTTP/2 request trailers holding CR, LF or NUL are dropped before Undertow's proxy
 * writes them as HTTP/1.1 trailer lines (see {@link LineSafety}).</li>
 * </ul>
 */
public final class RequestBodyGuard {
    private RequestBodyGuard() {
    }

    public static boolean declaredTooLarge(HttpServerExchange exchange, long limit) {
        return limit >= 0 && exchange.getRequestContentLength() > limit;
    }

    /** Whether this request has a body to guard (a limit to count against, or HTTP/2 trailers to check). */
    public static boolean needed(HttpServerExchange exchange, long limit) {
        return !exchange.isRequestComplete() && (limit >= 0 || exchange.getProtocol() == Protocols.HTTP_2_0);
    }

    /** Wraps the body (call only when {@link #needed}); {@code abortBackend} runs before an oversize read fails. */
    public static void install(HttpServerExchange exchange, long limit, Runnable abortBackend) {
        exchange.addRequestWrapper((ConduitFactory<StreamSourceConduit> factory, HttpServerExchange guarded) ->
                new GuardedSource(factory.create(), guarded, limit < 0 ? Long.MAX_VALUE : limit, abortBackend));
    }

    private static final class GuardedSource extends AbstractStreamSourceConduit<StreamSourceConduit> {
        private final HttpServerExchange exchange;
        private final Runnable abortBackend;
        private long remaining;

        GuardedSource(StreamSourceConduit next, HttpServerExchange exchange, long limit, Runnable abortBackend) {
            super(next);
            this.exchange = exchange;
            this.remaining = limit;
            this.abortBackend = abortBackend;
        }

        private long counted(long read) throws IOException {
            if (read > 0) {
                remaining -= read;
                if (remaining < 0) {
                    abortBackend.run();
                    throw new IOException("request body exceeds limits.max-body-size");
                }
            } else if (read == -1) {
                HeaderMap trailers = exchange.getAttachment(HttpAttachments.REQUEST_TRAILERS);
                if (trailers != null && !LineSafety.isSafe(trailers)) {
                    exchange.removeAttachment(HttpAttachments.REQUEST_TRAILERS);
                }
            }
            return read;
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
