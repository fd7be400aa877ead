package io.sluice.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.ConduitFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * limits.max-body-size for proxied requests. A declared Content-Length over the limit is
 * refused before any backend is contacted. A body without a declared length (chunked,
 * HTTP/2) is counted as it streams; on crossing the limit the backend connection is
 * closed first, so the backend sees a broken upload and never a truncated body that
 * looks complete (which is what Undertow's own MAX_ENTITY_SIZE does through the proxy).
 */
public final class BodyLimit {
    private BodyLimit() {
    }

    public static boolean declaredTooLarge(HttpServerExchange exchange, long limit) {
        return limit >= 0 && exchange.getRequestContentLength() > limit;
    }

    /** Counts the body; {@code abortBackend} runs before the read fails. */
    public static void enforce(HttpServerExchange exchange, long limit, Runnable abortBackend) {
        if (limit < 0 || exchange.isRequestComplete()) {
            return;
        }
        exchange.addRequestWrapper((ConduitFactory<StreamSourceConduit> factory, HttpServerExchange ignored) ->
                new LimitedSource(factory.create(), limit, abortBackend));
    }

    private static final class LimitedSource extends AbstractStreamSourceConduit<StreamSourceConduit> {
        private final Runnable abortBackend;
        private long remaining;

        LimitedSource(StreamSourceConduit next, long limit, Runnable abortBackend) {
            super(next);
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
