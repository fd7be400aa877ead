package io.sluice.tls;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Wraps several application buffers into one TLS record on wildfly-openssl's engine.
 *
 * <p>Why: {@code OpenSSLEngine.wrap(srcs, ...)} hands OpenSSL only the first buffer with bytes left
 * ({@code SSL_write} of that buffer alone) and returns as soon as a record is produced. Undertow writes
 * a response as a gathering write of its head buffer and its body buffers, and its {@code SslConduit}
 * sends each wrap's output with its own system call, so on this engine every response went out as a
 * record and a {@code write} for the head and another for the body. JSSE already fills one record
 * from several buffers. Gathering the buffers into one direct staging buffer (up to a full record's
 * plaintext) before the engine sees them makes it one record and one system call here as well.
 *
 * <p>The staging buffer is per thread (Undertow wraps on the connection's IO thread), not per
 * connection, so an idle connection holds no extra memory. Only after the handshake: during it the
 * engine has its own records to send, and those must not be mixed with application data.
 */
final class OneRecordWrap {

    /** TLS's largest plaintext fragment (RFC 8446 5.1, RFC 5246 6.2.1). */
    static final int MAX_PLAINTEXT = 16 * 1024;

    private static final ThreadLocal<ByteBuffer[]> STAGING =
            ThreadLocal.withInitial(() -> new ByteBuffer[] {ByteBuffer.allocateDirect(MAX_PLAINTEXT)});

    private OneRecordWrap() {
    }

    /** Whether {@code engine} is the one that needs this: wildfly-openssl's (recognised by class name, as Undertow's ALPN code does). */
    static boolean needed(SSLEngine engine) {
        return engine.getClass().getName().equals("org.wildfly.openssl.OpenSSLEngine");
    }

    /**
     * {@code engine.wrap(srcs, offset, length, dst)}, with the buffers' bytes gathered into one record
     * when more than one of them has bytes left and the first alone would not fill a record. A heap
     * buffer is staged as well: the engine would otherwise allocate and free a direct buffer for it.
     */
    static SSLEngineResult wrap(SSLEngine engine, ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        int end = offset + length;
        int first = offset;
        while (first < end && !srcs[first].hasRemaining()) {
            first++;
        }
        if (first == end || srcs[first].isDirect()
                && (srcs[first].remaining() >= MAX_PLAINTEXT || !hasRemaining(srcs, first + 1, end))) {
            return engine.wrap(srcs, offset, length, dst);
        }
        ByteBuffer[] stagingArray = STAGING.get();
        ByteBuffer staging = stagingArray[0];
        staging.clear();
        for (int i = first; i < end && staging.hasRemaining(); i++) {
            ByteBuffer src = srcs[i];
            int take = Math.min(src.remaining(), staging.remaining());
            staging.put(staging.position(), src, src.position(), take);
            staging.position(staging.position() + take);
        }
        staging.flip();
        SSLEngineResult result = engine.wrap(stagingArray, 0, 1, dst);
        int consumed = result.bytesConsumed();
        for (int i = first; i < end && consumed > 0; i++) {
            ByteBuffer src = srcs[i];
            int step = Math.min(src.remaining(), consumed);
            src.position(src.position() + step);
            consumed -= step;
        }
        return result;
    }

    private static boolean hasRemaining(ByteBuffer[] srcs, int from, int end) {
        for (int i = from; i < end; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
