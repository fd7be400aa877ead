package io.sluice.listener;

import io.sluice.syntax.Refusal;
import io.sluice.syntax.Token;
import io.sluice.http.Refusals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Strict HTTP/1.x parsing on a client connection's read side, under Undertow's parser.
 *
 * <p>Undertow's parser (2.3.25+) already refuses bare LF in the head, control characters,
 * invalid header names and Content-Length together with Transfer-Encoding or repeated.
 * Two things it accepts and then loses, so no handler can see them: an obs-fold line
 * (it folds it into a space) and a Transfer-Encoding that is not {@code chunked} (it
 * passes it on). This conduit sees every byte the client sends, in order, exactly once,
 * and follows the message framing (head, then a Content-Length or chunked body, then the
 * next head), so it knows which bytes are a request head. When a head breaks a rule, it
 * overwrites the offending byte with NUL before Undertow's parser reads it: the parser
 * then answers 400 and closes the connection, as it does for its own refusals, and the
 * request never reaches a handler or a backend. Refusals Undertow would make anyway are
 * counted here too, so that {@code sluice_listener_requests_refused_total} says why.
 *
 * <p>Rules: obs-fold; a line ended by LF alone or a CR not followed by LF (in the head and
 * in chunk framing); control characters in the request line or a header value; a header
 * name that is not a token; Content-Length that is not digits, given twice, or with
 * Transfer-Encoding; Transfer-Encoding other than exactly {@code chunked}, given twice or
 * on an HTTP/1.0 request. A malformed chunk line in a body already being proxied fails the
 * read, so the backend sees an aborted upload, never a complete request.
 *
 * <p>After a request carrying Upgrade (WebSocket, h2c), a CONNECT, or the HTTP/2 prior-knowledge
 * preface, the rest of the connection is another protocol and passes through unread. One
 * allocation per connection; per byte of head a table lookup; bodies with a length are
 * skipped by counting.
 */
public final class StrictHttp1Conduit extends AbstractStreamSourceConduit<StreamSourceConduit> {
    /** One scratch copy per IO thread for scanning heads (a connection is read on one thread at a time). */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[2048]);

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] UPGRADE = "upgrade".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "chunked".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final long HTTP_1_0 = pack("HTTP/1.0");
    private static final long HTTP_2_0 = pack("HTTP/2.0");
    private static final long CONNECT = pack("CONNECT ");

    // states
    private static final int REQUEST_LINE = 0;
    private static final int LINE_START = 1;
    private static final int NAME = 2;
    private static final int VALUE = 3;
    private static final int FIXED_BODY = 4;
    private static final int CHUNK_SIZE = 5;
    private static final int CHUNK_EXTENSION = 6;
    private static final int CHUNK_DATA = 7;
    private static final int CHUNK_DATA_END = 8;
    private static final int TRAILER_START = 9;
    private static final int TRAILER = 10;
    private static final int PASSTHROUGH = 11;

    // which header's value is being read
    private static final int OTHER = 0;
    private static final int IS_CONTENT_LENGTH = 1;
    private static final int IS_TRANSFER_ENCODING = 2;
    private static final int IS_UPGRADE = 3;

    private final Refusals refusals;
    private final StreamConnection connection;

    private int state = REQUEST_LINE;
    /** The previous byte was a CR: only LF may follow. */
    private boolean afterCr;
    // request line
    private int lineLength;
    private long lineHead;
    private long lineTail;
    private boolean http10;
    private boolean otherProtocolFollows;
    // header name matching
    private int nameLength;
    private int candidates;
    private int header;
    // header value parsing (Content-Length digits, Transfer-Encoding "chunked")
    private int valueIndex;
    private boolean valueEnded;
    private long parsedLength;
    private int contentLengths;
    private int transferEncodings;
    private long contentLength;
    // body
    private long remaining;
    private int chunkDigits;

    /** Package-private for StrictHttp1ConduitBenchmark, which drives {@link #scan} itself (connection null). */
    StrictHttp1Conduit(StreamSourceConduit next, StreamConnection connection, Refusals refusals) {
        super(next);
        this.connection = connection;
        this.refusals = refusals;
    }

    /** Puts the conduit under everything Undertow will stack on this connection's read side. */
    public static void install(StreamConnection connection, Refusals refusals) {
        connection.getSourceChannel().setConduit(new StrictHttp1Conduit(connection.getSourceChannel().getConduit(), connection, refusals));
    }

    private static long pack(String eight) {
        long packed = 0;
        for (int i = 0; i < 8; i++) {
            packed = (packed << 8) | (eight.charAt(i) & 0xff);
        }
        return packed;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        int read = next.read(dst);
        if (read > 0 && state != PASSTHROUGH) {
            scan(dst, start, start + read);
        }
        return read;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            if (!dsts[i].hasRemaining()) {
                continue;
            }
            int read = read(dsts[i]);
            if (read < 0) {
                return total == 0 ? read : total;
            }
            total += read;
            if (dsts[i].hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target);
    }

    void scan(ByteBuffer buffer, int from, int to) throws IOException {
        byte[] bytes = null;
        int i = from;
        while (i < to && state != PASSTHROUGH) {
            if (state == FIXED_BODY || state == CHUNK_DATA) {
                int take = (int) Math.min(remaining, to - i);
                remaining -= take;
                i += take;
                if (remaining == 0) {
                    if (state == FIXED_BODY) {
                        messageComplete();
                    } else {
                        state = CHUNK_DATA_END;
                    }
                }
                continue;
            }
            // heads are scanned from a heap copy: a byte[] loop is several times faster than
            // get(i) on the direct buffers Undertow reads into
            if (bytes == null) {
                bytes = SCRATCH.get();
            }
            int length = Math.min(to - i, bytes.length);
            buffer.get(i, bytes, 0, length);
            i += scanHead(buffer, i, bytes, length);
        }
    }

    /**
     * Scans head (or chunk framing) bytes copied from buffer[base..]; returns how many it
     * consumed: all of them, or fewer when a body begins or the connection is refused.
     */
    private int scanHead(ByteBuffer buffer, int base, byte[] bytes, int length) throws IOException {
        for (int k = 0; k < length; k++) {
            if (!afterCr) {
                // fast paths: the bulk of a head is field values, names and the request line
                if (state == VALUE && header == OTHER) {
                    while (k < length) {
                        int b = bytes[k] & 0xff;
                        if (b < 0x20 || b == 0x7f) {
                            break;
                        }
                        k++;
                    }
                } else if (state == NAME && candidates == 0) {
                    while (k < length) {
                        int b = bytes[k] & 0xff;
                        if (b == ':' || !Token.isTchar(b)) {
                            break;
                        }
                        k++;
                    }
                }
                if (k == length) {
                    return length;
                }
            }
            int b = bytes[k] & 0xff;
            int at = base + k;
            if (afterCr) {
                afterCr = false;
                if (b != '\n') {
                    refuse(buffer, at, Refusal.BARE_LF);
                    return k + 1;
                }
                if (!lineEnded(buffer, at)) {
                    return k + 1;
                }
            } else if (b == '\r') {
                afterCr = true;
                continue;
            } else if (b == '\n') {
                refuse(buffer, at, Refusal.BARE_LF);
                return k + 1;
            } else if (!onByte(buffer, at, b)) {
                return k + 1;
            }
            if (state == FIXED_BODY || state == CHUNK_DATA || state == PASSTHROUGH) {
                return k + 1;
            }
        }
        return length;
    }

    /** A byte other than CR or LF; false once the connection is refused. */
    private boolean onByte(ByteBuffer buffer, int at, int b) throws IOException {
        switch (state) {
            case REQUEST_LINE -> {
                if (b < 0x20 || b == 0x7f) {
                    return refuse(buffer, at, Refusal.CONTROL_CHAR);
                }
                if (lineLength < 8) {
                    lineHead = (lineHead << 8) | b;
                }
                lineLength++;
                lineTail = (lineTail << 8) | b;
                return true;
            }
            case LINE_START -> {
                if (b == ' ' || b == '\t') {
                    return refuse(buffer, at, Refusal.OBS_FOLD);
                }
                if (!Token.isTchar(b)) {
                    return refuse(buffer, at, Refusal.HEADER_NAME);
                }
                state = NAME;
                nameLength = 0;
                candidates = 0b111;
                matchName(b);
                return true;
            }
            case NAME -> {
                if (b == ':') {
                    state = VALUE;
                    header = (candidates & 1) != 0 && nameLength == CONTENT_LENGTH.length ? IS_CONTENT_LENGTH
                            : (candidates & 2) != 0 && nameLength == TRANSFER_ENCODING.length ? IS_TRANSFER_ENCODING
                            : (candidates & 4) != 0 && nameLength == UPGRADE.length ? IS_UPGRADE : OTHER;
                    valueIndex = 0;
                    valueEnded = false;
                    parsedLength = 0;
                    if (header == IS_CONTENT_LENGTH && ++contentLengths > 1
                            || header == IS_TRANSFER_ENCODING && ++transferEncodings > 1) {
                        return refuse(buffer, at, Refusal.FRAMING);
                    }
                    if (header == IS_UPGRADE) {
                        otherProtocolFollows = true;
                    }
                    return true;
                }
                if (!Token.isTchar(b)) {
                    return refuse(buffer, at, Refusal.HEADER_NAME);
                }
                if (candidates != 0) {
                    matchName(b);
                }
                return true;
            }
            case VALUE -> {
                if ((b < 0x20 && b != '\t') || b == 0x7f) {
                    return refuse(buffer, at, Refusal.CONTROL_CHAR);
                }
                if (header == IS_CONTENT_LENGTH || header == IS_TRANSFER_ENCODING) {
                    return frameValue(buffer, at, b);
                }
                return true;
            }
            case CHUNK_SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && chunkDigits < 15) {
                    remaining = (remaining << 4) | digit;
                    chunkDigits++;
                    return true;
                }
                if (chunkDigits > 0 && (b == ';' || b == ' ' || b == '\t')) {
                    state = CHUNK_EXTENSION;
                    return true;
                }
                return malformedBody(Refusal.FRAMING);
            }
            case CHUNK_EXTENSION, TRAILER -> {
                return true;
            }
            case TRAILER_START -> {
                state = TRAILER;
                return true;
            }
            case CHUNK_DATA_END -> {
                return malformedBody(Refusal.FRAMING);
            }
            default -> throw new IllegalStateException("state " + state);
        }
    }

    /** CR LF ends a line: what it ends depends on the state. */
    private boolean lineEnded(ByteBuffer buffer, int at) throws IOException {
        switch (state) {
            case REQUEST_LINE -> {
                if (lineLength == 0) {
                    return true; // an empty line before the request line: Undertow's parser refuses it itself
                }
                if (lineTail == HTTP_2_0) {
                    state = PASSTHROUGH; // PRI * HTTP/2.0: HTTP/2 with prior knowledge
                    return false;
                }
                http10 = lineTail == HTTP_1_0;
                otherProtocolFollows = lineLength >= 8 && lineHead == CONNECT;
                state = LINE_START;
                return true;
            }
            case NAME -> {
                return refuse(buffer, at, Refusal.HEADER_NAME); // a line without a colon
            }
            case VALUE -> {
                if (header == IS_CONTENT_LENGTH && valueIndex == 0 || header == IS_TRANSFER_ENCODING && valueIndex != CHUNKED.length) {
                    return refuse(buffer, at, Refusal.FRAMING);
                }
                if (header == IS_CONTENT_LENGTH) {
                    contentLength = parsedLength;
                }
                state = LINE_START;
                return true;
            }
            case LINE_START -> {
                // the blank line: the head is complete
                if (contentLengths > 0 && transferEncodings > 0 || transferEncodings > 0 && http10) {
                    return refuse(buffer, at, Refusal.FRAMING);
                }
                if (transferEncodings > 0) {
                    startChunk();
                } else if (contentLength > 0) {
                    remaining = contentLength;
                    state = FIXED_BODY;
                } else {
                    messageComplete();
                }
                return true;
            }
            case CHUNK_SIZE, CHUNK_EXTENSION -> {
                if (chunkDigits == 0) {
                    return malformedBody(Refusal.FRAMING);
                }
                if (remaining == 0) {
                    state = TRAILER_START;
                } else {
                    state = CHUNK_DATA;
                }
                return true;
            }
            case CHUNK_DATA_END -> {
                startChunk();
                return true;
            }
            case TRAILER -> {
                state = TRAILER_START;
                return true;
            }
            case TRAILER_START -> {
                messageComplete();
                return true;
            }
            default -> throw new IllegalStateException("state " + state);
        }
    }

    private void matchName(int b) {
        int lower = b >= 'A' && b <= 'Z' ? b + 32 : b;
        int index = nameLength++;
        if ((candidates & 1) != 0 && (index >= CONTENT_LENGTH.length || CONTENT_LENGTH[index] != lower)) {
            candidates &= ~1;
        }
        if ((candidates & 2) != 0 && (index >= TRANSFER_ENCODING.length || TRANSFER_ENCODING[index] != lower)) {
            candidates &= ~2;
        }
        if ((candidates & 4) != 0 && (index >= UPGRADE.length || UPGRADE[index] != lower)) {
            candidates &= ~4;
        }
    }

    /** Content-Length: OWS 1*DIGIT OWS; Transfer-Encoding: OWS "chunked" OWS (any case). */
    private boolean frameValue(ByteBuffer buffer, int at, int b) throws IOException {
        if (b == ' ' || b == '\t') {
            if (valueIndex > 0) {
                valueEnded = true;
            }
            return true;
        }
        if (valueEnded) {
            return refuse(buffer, at, Refusal.FRAMING);
        }
        if (header == IS_CONTENT_LENGTH) {
            if (b < '0' || b > '9' || valueIndex >= 18) {
                return refuse(buffer, at, Refusal.FRAMING);
            }
            parsedLength = parsedLength * 10 + (b - '0');
            valueIndex++;
            return true;
        }
        int lower = b >= 'A' && b <= 'Z' ? b + 32 : b;
        if (valueIndex >= CHUNKED.length || CHUNKED[valueIndex] != lower) {
            return refuse(buffer, at, Refusal.FRAMING);
        }
        valueIndex++;
        return true;
    }

    private void startChunk() {
        state = CHUNK_SIZE;
        remaining = 0;
        chunkDigits = 0;
    }

    private void messageComplete() {
        state = otherProtocolFollows ? PASSTHROUGH : REQUEST_LINE;
        afterCr = false;
        lineLength = 0;
        lineHead = 0;
        lineTail = 0;
        http10 = false;
        otherProtocolFollows = false;
        header = OTHER;
        contentLengths = 0;
        transferEncodings = 0;
        contentLength = 0;
        remaining = 0;
    }

    /**
     * Refuses the request whose head holds this byte: the byte becomes NUL, which Undertow's
     * parser refuses with 400 and a closed connection wherever it meets it. Nothing after it
     * is read as HTTP any more (the connection is closing).
     */
    private boolean refuse(ByteBuffer buffer, int at, Refusal reason) throws IOException {
        if (state == CHUNK_SIZE || state == CHUNK_EXTENSION || state == CHUNK_DATA_END || state == TRAILER || state == TRAILER_START) {
            return malformedBody(reason);
        }
        buffer.put(at, (byte) 0);
        state = PASSTHROUGH;
        refusals.refused(reason, connection == null ? null : connection.getPeerAddress());
        return false;
    }

    /** A body already on its way to a backend: fail the read, so the upload is aborted, never completed. */
    private boolean malformedBody(Refusal reason) throws IOException {
        state = PASSTHROUGH;
        refusals.refused(reason, connection == null ? null : connection.getPeerAddress());
        throw new IOException("malformed chunked request body (" + reason.label() + ")");
    }
}
