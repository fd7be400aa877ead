package io.sluice.backend;

import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.ClientStatistics;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.Protocols;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Buffers;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.Option;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.ReadTimeoutException;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.ConduitWritableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.PushBackStreamSourceConduit;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * One HTTP/1.1 connection to a member (plain TCP or TLS), as Undertow's proxy expects a
 * {@link ClientConnection}: one exchange at a time, kept alive between them.
 *
 * <p>Everything per connection is made once: the two conduits that frame request and
 * response bodies (switched between modes per request, never re-wrapped), the buffer the
 * response head is read into (it grows only for a head that does not fit, up to the
 * limit), the buffer the request head is written into, and one timer. Per request there
 * is the exchange, the response head's {@link ClientResponse} with its header strings,
 * and the two channel views Undertow's proxy needs.
 *
 * <p>The request head goes out with the first body bytes in one gathering write (or on
 * its own at the flush that ends a bodyless request). The response timeout is one
 * deadline per connection: set when the request is sent, moved on by every read that
 * brings bytes, dropped while nobody asks to read (a client reading slowly holds the
 * relay, not the member); the timer, scheduled at most once at a time, looks at the
 * deadline when it fires and schedules itself again for what is left. When the deadline
 * passes, the exchange fails (before its head) or the body's reader gets a
 * {@link ReadTimeoutException}, and the connection is closed: what Undertow's per-request
 * read-timeout conduit did.
 *
 * <p>Confined to its IO thread, like every XNIO connection: no locks.
 */
final class BackendConnection implements ClientConnection {
    private static final Logger LOG = LoggerFactory.getLogger(BackendConnection.class);
    private static final int INITIAL_READ_BUFFER = 8 * 1024;
    private static final int INITIAL_WRITE_BUFFER = 2 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    /** 1xx responses a member may send before its final one: more is a member stuck in a loop. */
    private static final int MAX_INTERIM_RESPONSES = 16;
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static final int NO_BODY = 0;
    private static final int FIXED = 1;
    private static final int CHUNKED = 2;
    /** Response only: the body ends when the member closes the connection. */
    private static final int UNTIL_CLOSE = 3;
    /** Response only: the head has not arrived yet. */
    private static final int HEAD = 4;

    private static final int CHUNK_SIZE = 0;
    private static final int CHUNK_EXTENSION = 1;
    private static final int CHUNK_SIZE_LF = 2;
    private static final int CHUNK_DATA = 3;
    private static final int CHUNK_DATA_CR = 4;
    private static final int CHUNK_DATA_LF = 5;
    private static final int TRAILERS = 6;

    private final StreamConnection connection;
    private final ConduitStreamSourceChannel source;
    private final ConduitStreamSinkChannel sink;
    private final StreamSourceConduit rawSource;
    private final StreamSinkConduit rawSink;
    private final ByteBufferPool bufferPool;
    private final long timeoutNanos;
    private final int headLimit;
    private final ResponseHeadParser parser;
    private final ChannelListener.SimpleSetter<BackendConnection> closeSetter = new ChannelListener.SimpleSetter<>();
    private final List<ChannelListener<ClientConnection>> closeListeners = new CopyOnWriteArrayList<>();
    private final Runnable timeoutTask = this::deadlineCheck;
    private final ChannelListener<ConduitStreamSourceChannel> headReader = channel -> readHead();
    private final ChannelListener<ConduitStreamSourceChannel> idleReader = channel -> readWhileIdle();
    private final ChannelListener<ConduitStreamSinkChannel> headFlusher = channel -> flushBodylessRequest();
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private final java.util.ArrayDeque<Waiting> waiting = new java.util.ArrayDeque<>(1);

    private record Waiting(ClientRequest request, ClientCallback<ClientExchange> callback) {
    }

    /** Response bytes read and not yet consumed: in[inStart, inEnd). */
    private byte[] in = new byte[INITIAL_READ_BUFFER];
    private ByteBuffer inBuffer = ByteBuffer.wrap(in);
    private int inStart;
    private int inEnd;
    /** Request framing to go out before any further body bytes: out[outStart, outEnd). */
    private byte[] out = new byte[INITIAL_WRITE_BUFFER];
    private ByteBuffer outBuffer = ByteBuffer.wrap(out);
    private int outStart;
    private int outEnd;

    private BackendExchange exchange;
    private boolean closeAfter;
    private boolean upgradeRequested;
    private boolean upgraded;
    private boolean closed;
    private boolean headRequest;
    private boolean expectsContinue;
    private int interimResponses;

    private int requestMode;
    private long requestRemaining;
    private long requestChunkLeft;
    private boolean requestTerminated;

    private int responseMode;
    private long responseRemaining;
    private int chunkState;
    private long chunkSize;
    private int chunkDigits;
    private int chunkExtension;

    /** System.nanoTime() by which the member must have sent something; 0 when nothing is awaited. */
    private long deadline;
    private XnioExecutor.Key timer;
    private ReadTimeoutException expired;
    /** A chunked body broke its framing after bytes that were handed out: the next read fails with it. */
    private MalformedResponseException bodyError;
    /** The final response head, parsed and kept from the exchange until its body is seen to start (see awaitBody). */
    private ClientResponse heldHead;

    BackendConnection(StreamConnection connection, ByteBufferPool bufferPool, long timeoutMillis, int headLimit) {
        this.connection = connection;
        this.bufferPool = bufferPool;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        this.headLimit = headLimit;
        this.parser = new ResponseHeadParser(headLimit);
        this.source = connection.getSourceChannel();
        this.sink = connection.getSinkChannel();
        this.rawSource = source.getConduit();
        this.rawSink = sink.getConduit();
        source.setConduit(new ResponseConduit(rawSource));
        sink.setConduit(new RequestConduit(rawSink));
        connection.getCloseSetter().set(closedConnection -> closed());
        // reads stay resumed while idle, so a member that closes the connection is noticed
        source.setReadListener(idleReader);
        source.resumeReads();
    }

    ConduitStreamSinkChannel sinkChannel() {
        return sink;
    }

    ConduitStreamSourceChannel sourceChannel() {
        return source;
    }

    // ------------------------------------------------------------------ sending

    @Override
    public void sendRequest(ClientRequest request, ClientCallback<ClientExchange> callback) {
        if (closed || closeAfter || upgradeRequested || upgraded || !connection.isOpen()) {
            callback.failed(new IOException("the backend connection cannot take another request"));
            return;
        }
        if (exchange != null) {
            // Undertow's pool hands a connection back when the client's exchange ends, which can be
            // before the member's response is read to its end: the request waits for it, as in
            // Undertow's own client
            waiting.add(new Waiting(request, callback));
            return;
        }
        HeaderMap headers = request.getRequestHeaders();
        int mode;
        long length = 0;
        String contentLength = headers.getFirst(Headers.CONTENT_LENGTH);
        String coding = headers.getLast(Headers.TRANSFER_ENCODING);
        try {
            if (contentLength != null) {
                length = Long.parseLong(contentLength);
                if (length < 0) {
                    throw new NumberFormatException(contentLength);
                }
                mode = length == 0 ? NO_BODY : FIXED;
            } else if (coding != null) {
                if (!coding.toLowerCase(Locale.ROOT).contains("chunked")) {
                    callback.failed(new IOException("cannot send a request body with Transfer-Encoding " + coding));
                    return;
                }
                mode = CHUNKED;
            } else {
                mode = NO_BODY;
            }
            writeHead(request);
        } catch (NumberFormatException e) {
            callback.failed(new IOException("invalid Content-Length for the backend request: " + contentLength));
            return;
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        String connectionHeader = headers.getFirst(Headers.CONNECTION);
        if (connectionHeader != null) {
            String tokens = connectionHeader.toLowerCase(Locale.ROOT);
            closeAfter = tokens.contains("close");
            upgradeRequested = tokens.contains("upgrade");
        } else if (!request.getProtocol().equals(Protocols.HTTP_1_1)) {
            closeAfter = true;
        }
        if (headers.contains(Headers.UPGRADE) || request.getMethod().equals(Methods.CONNECT)) {
            upgradeRequested = true;
        }
        headRequest = request.getMethod().equals(Methods.HEAD);
        expectsContinue = headers.contains(Headers.EXPECT);
        interimResponses = 0;
        requestMode = mode;
        requestRemaining = length;
        requestChunkLeft = 0;
        requestTerminated = false;
        responseMode = HEAD;
        BackendExchange sent = new BackendExchange(this, request);
        exchange = sent;
        parser.beginHead(inStart);
        deadline = 0;
        source.setReadListener(headReader);
        source.resumeReads(); // sets the deadline
        callback.completed(sent);
        if (exchange == sent && mode == NO_BODY && !requestTerminated) {
            // nobody will write a body: the head goes out now (Undertow's proxy has usually done this already)
            flushBodylessRequest();
        }
    }

    private void flushBodylessRequest() {
        try {
            sink.shutdownWrites();
            if (sink.flush()) {
                sink.suspendWrites();
            } else {
                sink.setWriteListener(headFlusher);
                sink.resumeWrites();
            }
        } catch (IOException e) {
            failAndClose(e);
        }
    }

    /** Request line and fields into the write buffer, from where they go out with the first body bytes. */
    private void writeHead(ClientRequest request) throws IOException {
        outStart = 0;
        outEnd = 0;
        put(request.getMethod());
        putByte(' ');
        putText(request.getPath(), "request target");
        putByte(' ');
        put(request.getProtocol());
        put(CRLF);
        HeaderMap headers = request.getRequestHeaders();
        for (long at = headers.fastIterateNonEmpty(); at != -1L; at = headers.fiNextNonEmpty(at)) {
            HeaderValues values = headers.fiCurrent(at);
            HttpString name = values.getHeaderName();
            for (int i = 0; i < values.size(); i++) {
                put(name);
                putByte(':');
                putByte(' ');
                putText(values.get(i), name);
                put(CRLF);
            }
        }
        put(CRLF);
    }

    private void room(int bytes) {
        if (outEnd + bytes > out.length) {
            byte[] bigger = java.util.Arrays.copyOf(out, Math.max(out.length * 2, outEnd + bytes));
            out = bigger;
            outBuffer = ByteBuffer.wrap(bigger);
        }
    }

    private void putByte(int b) {
        room(1);
        out[outEnd++] = (byte) b;
    }

    private void put(byte[] bytes) {
        room(bytes.length);
        System.arraycopy(bytes, 0, out, outEnd, bytes.length);
        outEnd += bytes.length;
    }

    private void put(HttpString text) {
        room(text.length());
        text.copyTo(0, out, outEnd, text.length());
        outEnd += text.length();
    }

    /** A string as ISO-8859-1; a line break or NUL in it would split the head, so it is refused. */
    private void putText(String text, Object what) throws IOException {
        int length = text.length();
        room(length);
        byte[] bytes = out;
        int at = outEnd;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IOException("line break or NUL in the " + what + " of the backend request");
            }
            bytes[at++] = c > 0xff ? (byte) '?' : (byte) c;
        }
        outEnd = at;
    }

    private void putChunkHeader(long size) {
        room(18);
        int digits = Math.max(1, (64 - Long.numberOfLeadingZeros(size) + 3) / 4);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out[outEnd++] = HEX[(int) (size >>> shift) & 0xf];
        }
        out[outEnd++] = '\r';
        out[outEnd++] = '\n';
    }

    private boolean framingPending() {
        return outStart < outEnd;
    }

    /** Writes pending framing and then up to {@code max} bytes of {@code src}; returns the body bytes written. */
    private int writeWithFraming(ByteBuffer src, long max) throws IOException {
        int limit = src.limit();
        if (src.remaining() > max) {
            src.limit(src.position() + (int) max);
        }
        int before = src.position();
        try {
            if (framingPending()) {
                outBuffer.limit(outEnd).position(outStart);
                gather[0] = outBuffer;
                gather[1] = src;
                rawSink.write(gather, 0, 2);
                gather[1] = null;
                outStart = outBuffer.position();
                if (outStart == outEnd) {
                    outStart = 0;
                    outEnd = 0;
                }
            } else {
                rawSink.write(src);
            }
        } finally {
            src.limit(limit);
        }
        return src.position() - before;
    }

    private boolean flushFraming() throws IOException {
        while (framingPending()) {
            outBuffer.limit(outEnd).position(outStart);
            int written = rawSink.write(outBuffer);
            outStart = outBuffer.position();
            if (written == 0 && framingPending()) {
                return false;
            }
        }
        outStart = 0;
        outEnd = 0;
        return true;
    }

    /** Frames the request body as the request's head announced it: fixed length, chunked, or none. */
    private final class RequestConduit extends AbstractStreamSinkConduit<StreamSinkConduit> {
        RequestConduit(StreamSinkConduit next) {
            super(next);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (expired != null) {
                return 0; // see deadlineCheck
            }
            if (exchange == null || requestTerminated) {
                throw new ClosedChannelException();
            }
            if (!src.hasRemaining()) {
                return 0;
            }
            switch (requestMode) {
                case FIXED: {
                    if (src.remaining() > requestRemaining) {
                        throw new IOException("the request body is longer than its Content-Length");
                    }
                    int written = writeWithFraming(src, requestRemaining);
                    requestRemaining -= written;
                    if (requestRemaining == 0 && !framingPending()) {
                        requestFinished();
                    }
                    return written;
                }
                case CHUNKED: {
                    if (requestChunkLeft == 0) {
                        putChunkHeader(src.remaining());
                        requestChunkLeft = src.remaining();
                    }
                    int written = writeWithFraming(src, requestChunkLeft);
                    requestChunkLeft -= written;
                    if (requestChunkLeft == 0 && written > 0) {
                        put(CRLF); // goes out ahead of the next chunk, or with the last one
                    }
                    return written;
                }
                default:
                    throw new IOException("the request announced no body");
            }
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer src = srcs[i];
                if (!src.hasRemaining()) {
                    continue;
                }
                total += write(src);
                if (src.hasRemaining()) {
                    break;
                }
            }
            return total;
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            return Conduits.writeFinalBasic(this, src);
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return Conduits.writeFinalBasic(this, srcs, offset, length);
        }

        @Override
        public long transferFrom(FileChannel src, long position, long count) throws IOException {
            return src.transferTo(position, count, new ConduitWritableByteChannel(this));
        }

        @Override
        public long transferFrom(StreamSourceChannel src, long count, ByteBuffer throughBuffer) throws IOException {
            return IoUtils.transfer(src, count, throughBuffer, new ConduitWritableByteChannel(this));
        }

        @Override
        public void terminateWrites() throws IOException {
            if (exchange == null || requestTerminated) {
                return;
            }
            if (requestMode == FIXED && requestRemaining > 0) {
                throw new IOException("the request body ended " + requestRemaining + " bytes short of its Content-Length");
            }
            if (requestMode == CHUNKED) {
                if (requestChunkLeft > 0) {
                    throw new IOException("the request body ended within a chunk");
                }
                put(LAST_CHUNK);
                HeaderMap trailers = exchange.getAttachment(HttpAttachments.RESPONSE_TRAILERS);
                if (trailers != null) {
                    for (HeaderValues values : trailers) {
                        for (String value : values) {
                            put(values.getHeaderName());
                            putByte(':');
                            putByte(' ');
                            putText(value, values.getHeaderName());
                            put(CRLF);
                        }
                    }
                }
                put(CRLF);
            }
            requestTerminated = true;
        }

        @Override
        public boolean flush() throws IOException {
            if (!flushFraming() || !next.flush()) {
                return false;
            }
            if (exchange != null && (requestTerminated || (requestMode == FIXED && requestRemaining == 0))) {
                requestFinished();
            }
            return true;
        }

        @Override
        public void truncateWrites() throws IOException {
            // the request cannot be completed: the member must not take what it got for a whole one
            IoUtils.safeClose(connection);
        }
    }

    private void requestFinished() {
        BackendExchange current = exchange;
        if (current == null || current.requestDone) {
            return;
        }
        current.requestDone = true;
        if (current.responseDone) {
            exchangeDone();
        }
    }

    // ------------------------------------------------------------------ receiving

    private void readHead() {
        try {
            if (heldHead != null) {
                awaitBody();
            }
            while (exchange != null && responseMode == HEAD) {
                int end = inStart < inEnd ? parser.scan(in, inEnd) : -1;
                if (end >= 0) {
                    headArrived(end);
                    continue;
                }
                int read = fill();
                if (read == 0) {
                    return;
                }
                if (read < 0) {
                    failAndClose(new IOException("the member closed the connection without sending a response"));
                    return;
                }
            }
        } catch (MalformedResponseException e) {
            LOG.warn("malformed response from {}: {}", connection.getPeerAddress(), e.getMessage());
            failAndClose(e);
        } catch (IOException e) {
            failAndClose(e);
        } catch (RuntimeException e) {
            failAndClose(new IOException(e));
            throw e;
        }
    }

    /** A complete head is in[inStart, end). */
    private void headArrived(int end) throws IOException {
        ClientResponse response = parser.parseHead(in);
        consumed(end);
        int status = response.getResponseCode();
        BackendExchange current = exchange;
        if (status < 200 && status != 101) {
            if (++interimResponses > MAX_INTERIM_RESPONSES) {
                throw new MalformedResponseException("more than " + MAX_INTERIM_RESPONSES + " interim (1xx) responses");
            }
            if (status == 100) {
                current.continued(response);
            }
            parser.beginHead(inStart); // an interim response: the final one follows
            return;
        }
        boolean upgrade = upgradeRequested
                && (status == 101 || (current.getRequest().getMethod().equals(Methods.CONNECT) && status / 100 == 2));
        if (status == 101 && !upgrade) {
            throw new MalformedResponseException("101 Switching Protocols to a request that asked for no upgrade");
        }
        upgradeRequested = upgrade;
        if (parser.connectionClose || (response.getProtocol() != Protocols.HTTP_1_1 && !parser.connectionKeepAlive)) {
            closeAfter = true;
        }
        if (expectsContinue && !current.requestDone && current.getContinueResponse() == null) {
            // a final answer to Expect: 100-continue: whatever of the body follows, the connection ends after it
            closeAfter = true;
        }
        if (headRequest || status == 101 || status == 204 || status == 304 || upgrade) {
            responseMode = NO_BODY;
        } else if (parser.transferCoding == ResponseHeadParser.CHUNKED) {
            responseMode = CHUNKED;
            chunkState = CHUNK_SIZE;
            chunkSize = 0;
            chunkDigits = 0;
        } else if (parser.transferCoding == ResponseHeadParser.OTHER_CODING || parser.contentLength < 0) {
            responseMode = UNTIL_CLOSE;
            closeAfter = true;
        } else if (parser.contentLength == 0) {
            responseMode = NO_BODY;
        } else {
            responseMode = FIXED;
            responseRemaining = parser.contentLength;
        }
        heldHead = response;
        if (responseMode == NO_BODY) {
            deliverHead(true);
        } else {
            awaitBody();
        }
    }

    /**
     * The head of a response with a body is held until the body is seen to start: a body
     * byte is buffered (after its chunk line), or the body has ended (an empty chunked body
     * with its trailers; a body that ends with the connection). Undertow's proxy writes
     * nothing to the client before the first body byte either, so the client waits no
     * longer; what holding buys is that a body that breaks before then (a bad chunk line,
     * the member closing or resetting the connection) fails the exchange as a malformed
     * head does: the client gets 502, or a retry, instead of a connection closed on it
     * with nothing said. Reads stay on, under the response timeout, while the head is held.
     */
    private void awaitBody() throws IOException {
        for (;;) {
            if (responseMode == CHUNKED ? chunkedBodyStarted() : inStart < inEnd) {
                deliverHead(responseMode == CHUNKED && chunkState == TRAILERS);
                return;
            }
            int read = fill();
            if (read == 0) {
                return;
            }
            if (read < 0) {
                if (responseMode != UNTIL_CLOSE) {
                    throw new IOException("the member closed the connection before the response body");
                }
                deliverHead(true); // an empty body, ended by the close
                return;
            }
        }
    }

    /** Takes chunk framing from the buffer up to the first data byte: true once one is buffered, or the body and its trailers ended. */
    private boolean chunkedBodyStarted() throws MalformedResponseException {
        for (;;) {
            if (chunkState == TRAILERS) {
                return trailersArrived();
            }
            if (inStart == inEnd) {
                return false;
            }
            if (chunkState == CHUNK_DATA) {
                return true;
            }
            chunkFraming(in[inStart]);
            consumed(inStart + 1);
        }
    }

    /** Hands the held head to the exchange; {@code ended}: the response is complete already. */
    private void deliverHead(boolean ended) {
        BackendExchange current = exchange;
        ClientResponse head = heldHead;
        heldHead = null;
        source.setReadListener(null);
        source.suspendReads();
        if (ended) {
            // done before the proxy hears of it: relaying an empty body may end the client's exchange
            // and hand this connection to the next request at once
            responseFinished();
        }
        current.deliver(head);
    }

    private void consumed(int to) {
        if (to == inEnd) {
            parser.shift(-to); // a head or trailer section may begin exactly here
            inStart = 0;
            inEnd = 0;
        } else {
            inStart = to;
        }
    }

    /** Reads more response bytes into the buffer; returns what read returned. */
    private int fill() throws IOException {
        if (inStart == inEnd) {
            parser.shift(-inStart);
            inStart = 0;
            inEnd = 0;
        } else if (inEnd == in.length) {
            if (inStart > 0) {
                System.arraycopy(in, inStart, in, 0, inEnd - inStart);
                parser.shift(-inStart);
                inEnd -= inStart;
                inStart = 0;
            } else {
                // a head (or trailers) larger than the buffer: the parser refuses it past the limit
                byte[] bigger = java.util.Arrays.copyOf(in, Math.min(in.length * 2, Math.max(in.length + 1, headLimit + 2)));
                in = bigger;
                inBuffer = ByteBuffer.wrap(bigger);
            }
        }
        inBuffer.limit(in.length).position(inEnd);
        int read = rawSource.read(inBuffer);
        if (read > 0) {
            inEnd += read;
            activity();
        }
        return read;
    }

    private int copyOut(ByteBuffer dst, long max) {
        int n = (int) Math.min(Math.min(inEnd - inStart, dst.remaining()), max);
        dst.put(in, inStart, n);
        consumed(inStart + n);
        return n;
    }

    private int readDirect(ByteBuffer dst, long max) throws IOException {
        int limit = dst.limit();
        if (dst.remaining() > max) {
            dst.limit(dst.position() + (int) max);
        }
        try {
            int read = rawSource.read(dst);
            if (read > 0) {
                activity();
            }
            return read;
        } finally {
            dst.limit(limit);
        }
    }

    /**
     * The member closed the connection inside the body. The connection is closed here and
     * now, not left to the body's reader: a request waiting for it (see sendRequest) then
     * fails at once instead of waiting for a response that cannot come.
     */
    private IOException truncated() {
        IoUtils.safeClose(connection);
        return new IOException("the member closed the connection before the end of the response body");
    }

    /** Frames the response body: what is left of the buffer first, then the connection, never past the body's end. */
    private final class ResponseConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {
        ResponseConduit(StreamSourceConduit next) {
            super(next);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (expired != null) {
                throw expired;
            }
            switch (responseMode) {
                case FIXED: {
                    if (responseRemaining == 0) {
                        return -1;
                    }
                    int n = inStart < inEnd ? copyOut(dst, responseRemaining) : readDirect(dst, responseRemaining);
                    if (n < 0) {
                        throw truncated();
                    }
                    responseRemaining -= n;
                    if (responseRemaining == 0) {
                        responseFinished();
                    }
                    return n;
                }
                case CHUNKED:
                    try {
                        return readChunked(dst);
                    } catch (MalformedResponseException e) {
                        LOG.warn("malformed response body from {}: {}", connection.getPeerAddress(), e.getMessage());
                        IoUtils.safeClose(connection);
                        throw e;
                    }
                case UNTIL_CLOSE: {
                    int n = inStart < inEnd ? copyOut(dst, Long.MAX_VALUE) : readDirect(dst, Long.MAX_VALUE);
                    if (n < 0) {
                        responseFinished();
                    }
                    return n;
                }
                default:
                    return -1;
            }
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            for (int i = offset; i < offset + length; i++) {
                if (dsts[i].hasRemaining()) {
                    return read(dsts[i]);
                }
            }
            return 0;
        }

        @Override
        public long transferTo(long position, long count, FileChannel target) throws IOException {
            return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
        }

        @Override
        public long transferTo(long count, ByteBuffer throughBuffer, org.xnio.channels.StreamSinkChannel target) throws IOException {
            return IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target);
        }

        @Override
        public void resumeReads() {
            next.resumeReads();
            if (exchange != null && timeoutNanos > 0) {
                armDeadline();
            }
            if (inStart < inEnd && responseMode != HEAD && !(responseMode == CHUNKED && chunkState == TRAILERS)) {
                next.wakeupReads(); // buffered body bytes are readable without the socket saying so (a partial trailer section is not)
            }
        }

        @Override
        public void suspendReads() {
            next.suspendReads();
            deadline = 0; // nobody waits for the member now
        }

        @Override
        public void terminateReads() throws IOException {
            if (exchange == null || !exchange.responseDone) {
                IoUtils.safeClose(connection); // the rest of the response is unwanted: the connection cannot be reused
            }
        }
    }

    private int readChunked(ByteBuffer dst) throws IOException {
        if (bodyError != null) {
            throw bodyError;
        }
        int before = dst.position();
        try {
            return chunks(dst);
        } catch (MalformedResponseException e) {
            int read = dst.position() - before;
            if (read > 0) {
                bodyError = e; // the bytes before the error are handed out first; the next read fails
                return read;
            }
            throw e;
        }
    }

    private int chunks(ByteBuffer dst) throws IOException {
        int total = 0;
        for (;;) {
            if (chunkState == CHUNK_DATA) {
                if (!dst.hasRemaining()) {
                    return total;
                }
                int n;
                if (inStart < inEnd) {
                    n = copyOut(dst, chunkSize);
                } else if (total > 0) {
                    return total;
                } else {
                    n = readDirect(dst, chunkSize);
                    if (n < 0) {
                        throw truncated();
                    }
                    if (n == 0) {
                        return 0;
                    }
                }
                chunkSize -= n;
                total += n;
                if (chunkSize == 0) {
                    chunkState = CHUNK_DATA_CR;
                }
                continue;
            }
            if (chunkState == TRAILERS) {
                if (trailersArrived()) {
                    responseFinished();
                    return total > 0 ? total : -1;
                }
            } else if (inStart < inEnd) {
                chunkFraming(in[inStart]);
                consumed(inStart + 1);
                continue;
            }
            if (total > 0) {
                return total;
            }
            int read = fill();
            if (read < 0) {
                throw truncated();
            }
            if (read == 0) {
                return 0;
            }
        }
    }

    /** Whether the whole trailer section is buffered; if so it is taken from the buffer and attached to the exchange. */
    private boolean trailersArrived() throws MalformedResponseException {
        int end = parser.scan(in, inEnd);
        if (end < 0) {
            return false;
        }
        HeaderMap trailers = new HeaderMap();
        parser.parseTrailers(in, trailers);
        if (trailers.size() > 0) {
            exchange.putAttachment(HttpAttachments.REQUEST_TRAILERS, trailers);
        }
        consumed(end);
        return true;
    }

    private void chunkFraming(byte b) throws MalformedResponseException {
        switch (chunkState) {
            case CHUNK_SIZE: {
                int digit = Character.digit(b, 16);
                if (digit >= 0) {
                    if (++chunkDigits > 15) {
                        throw new MalformedResponseException("chunk size too large");
                    }
                    chunkSize = chunkSize * 16 + digit;
                } else if (chunkDigits == 0) {
                    throw new MalformedResponseException("invalid chunk size");
                } else if (b == ';' || b == ' ' || b == '\t') {
                    chunkState = CHUNK_EXTENSION;
                    chunkExtension = 0;
                } else if (b == '\r') {
                    chunkState = CHUNK_SIZE_LF;
                } else {
                    throw new MalformedResponseException("invalid chunk size");
                }
                break;
            }
            case CHUNK_EXTENSION:
                if (b == '\r') {
                    chunkState = CHUNK_SIZE_LF;
                } else if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7f || ++chunkExtension > headLimit) {
                    throw new MalformedResponseException("invalid chunk extension");
                }
                break;
            case CHUNK_SIZE_LF:
                if (b != '\n') {
                    throw new MalformedResponseException("a chunk size line does not end in CRLF");
                }
                chunkDigits = 0;
                if (chunkSize == 0) {
                    chunkState = TRAILERS;
                    parser.beginTrailers(inStart + 1);
                } else {
                    chunkState = CHUNK_DATA;
                }
                break;
            case CHUNK_DATA_CR:
                if (b != '\r') {
                    throw new MalformedResponseException("chunk data is longer than its size");
                }
                chunkState = CHUNK_DATA_LF;
                break;
            case CHUNK_DATA_LF:
                if (b != '\n') {
                    throw new MalformedResponseException("chunk data is not followed by CRLF");
                }
                chunkState = CHUNK_SIZE;
                chunkSize = 0;
                break;
            default:
                throw new IllegalStateException("chunk state " + chunkState);
        }
    }

    private void responseFinished() {
        BackendExchange current = exchange;
        if (current == null) {
            return;
        }
        current.responseDone = true;
        deadline = 0;
        if (closeAfter && !upgradeRequested) {
            exchange = null;
            IoUtils.safeClose(connection);
        } else if (current.requestDone) {
            exchangeDone();
        }
    }

    /** Request and response are both complete: the connection waits for the next request, or ends. */
    private void exchangeDone() {
        exchange = null;
        deadline = 0;
        sink.suspendWrites();
        sink.setWriteListener(null);
        if (upgradeRequested) {
            source.suspendReads(); // the rest of the bytes belong to the new protocol: performUpgrade hands them over
            for (Waiting next; (next = waiting.poll()) != null; ) {
                next.callback().failed(new IOException("the backend connection was upgraded"));
            }
            return;
        }
        if (closeAfter || inStart < inEnd) {
            if (inStart < inEnd) {
                LOG.debug("{} sent more than its response: the connection is closed", connection.getPeerAddress());
            }
            IoUtils.safeClose(connection);
            return;
        }
        inStart = 0;
        inEnd = 0;
        source.setReadListener(idleReader);
        source.resumeReads();
        Waiting next = waiting.poll();
        if (next != null) {
            sendRequest(next.request(), next.callback());
        }
    }

    private void readWhileIdle() {
        if (exchange != null) {
            return;
        }
        try {
            inBuffer.limit(in.length).position(0);
            int read = rawSource.read(inBuffer);
            if (read != 0) {
                // the member closed the connection, or sent something nobody asked for
                IoUtils.safeClose(connection);
            }
        } catch (IOException e) {
            IoUtils.safeClose(connection);
        }
    }

    private void failAndClose(IOException e) {
        BackendExchange current = exchange;
        exchange = null;
        heldHead = null;
        IoUtils.safeClose(connection);
        if (current != null) {
            current.fail(e);
        }
    }

    // ------------------------------------------------------------------ response timeout

    private void activity() {
        if (deadline != 0) {
            deadline = System.nanoTime() + timeoutNanos;
        }
    }

    private void armDeadline() {
        deadline = System.nanoTime() + timeoutNanos;
        if (timer == null) {
            timer = connection.getIoThread().executeAfter(timeoutTask, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + 1, TimeUnit.MILLISECONDS);
        }
    }

    private void deadlineCheck() {
        timer = null;
        long due = deadline;
        if (due == 0 || closed) {
            return;
        }
        long left = due - System.nanoTime();
        if (left > 0) {
            timer = connection.getIoThread().executeAfter(timeoutTask, TimeUnit.NANOSECONDS.toMillis(left) + 1, TimeUnit.MILLISECONDS);
            return;
        }
        expired = new ReadTimeoutException("no data from the member within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        BackendExchange current = exchange;
        if (current != null && !current.answered()) {
            exchange = null;
            current.fail(expired);
        } else if (source.isReadResumed()) {
            ChannelListeners.invokeChannelListener(source, source.getReadListener()); // the body's reader gets the timeout
        }
        // An upload the member stopped reading is not woken: the exchange's failure has it drained
        // from the client and answered (504); a write failing now would turn that into a 500.
        IoUtils.safeClose(connection);
    }

    // ------------------------------------------------------------------ connection

    private void closed() {
        closed = true;
        deadline = 0;
        if (timer != null) {
            timer.remove();
            timer = null;
        }
        ChannelListeners.invokeChannelListener(this, closeSetter.get());
        for (ChannelListener<ClientConnection> listener : closeListeners) {
            listener.handleEvent(this);
        }
        BackendExchange current = exchange;
        exchange = null;
        heldHead = null;
        if (current != null) {
            current.fail(expired != null ? expired : new ClosedChannelException());
        }
        for (Waiting next; (next = waiting.poll()) != null; ) {
            next.callback().failed(new ClosedChannelException());
        }
    }

    @Override
    public StreamConnection performUpgrade() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        upgraded = true;
        deadline = 0;
        StreamSourceConduit upgradedSource = rawSource;
        if (inStart < inEnd) {
            ByteBuffer rest = ByteBuffer.allocate(inEnd - inStart);
            rest.put(in, inStart, inEnd - inStart).flip();
            PushBackStreamSourceConduit pushBack = new PushBackStreamSourceConduit(rawSource);
            pushBack.pushBack(Buffers.pooledWrapper(rest));
            upgradedSource = pushBack;
            inStart = 0;
            inEnd = 0;
        }
        source.setConduit(upgradedSource);
        sink.setConduit(rawSink);
        return connection;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closeAfter = true;
            IoUtils.safeClose(connection);
        }
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen() && !closed && !closeAfter;
    }

    @Override
    public boolean isUpgraded() {
        return upgradeRequested || upgraded;
    }

    @Override
    public boolean isUpgradeSupported() {
        return true;
    }

    @Override
    public boolean isPushSupported() {
        return false;
    }

    @Override
    public boolean isMultiplexingSupported() {
        return false;
    }

    /** Nothing counts bytes per connection (Undertow's pool copes with null, as with its own client's default). */
    @Override
    public ClientStatistics getStatistics() {
        return null;
    }

    @Override
    public void addCloseListener(ChannelListener<ClientConnection> listener) {
        closeListeners.add(listener);
    }

    @Override
    public ChannelListener.Setter<BackendConnection> getCloseSetter() {
        return closeSetter;
    }

    @Override
    public ByteBufferPool getBufferPool() {
        return bufferPool;
    }

    @Override
    public SocketAddress getPeerAddress() {
        return connection.getPeerAddress();
    }

    @Override
    public <A extends SocketAddress> A getPeerAddress(Class<A> type) {
        return connection.getPeerAddress(type);
    }

    @Override
    public SocketAddress getLocalAddress() {
        return connection.getLocalAddress();
    }

    @Override
    public <A extends SocketAddress> A getLocalAddress(Class<A> type) {
        return connection.getLocalAddress(type);
    }

    @Override
    public XnioWorker getWorker() {
        return connection.getWorker();
    }

    @Override
    public XnioIoThread getIoThread() {
        return connection.getIoThread();
    }

    @Override
    public boolean supportsOption(Option<?> option) {
        return connection.supportsOption(option);
    }

    @Override
    public <T> T getOption(Option<T> option) throws IOException {
        return connection.getOption(option);
    }

    @Override
    public <T> T setOption(Option<T> option, T value) throws IOException {
        return connection.setOption(option, value);
    }
}
