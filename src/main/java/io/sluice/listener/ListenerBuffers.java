package io.sluice.listener;

import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;

/**
 * The process's buffer pools, one set for every listener and generation.
 *
 * @param http      HTTP parsing and bodies, both sides of the proxy: direct, so that socket
 *                  reads and writes of plain HTTP need no copy
 * @param tlsDirect TLS records for the OpenSSL engine: wildfly-openssl hands direct buffers to
 *                  OpenSSL by address and would copy heap ones
 * @param tlsHeap   TLS records for the JDK engine: JSSE encrypts and decrypts in the record
 *                  buffer, and its AES-GCM takes the intrinsic (AES-NI, CLMUL) path only for
 *                  array-backed buffers; on direct ones GHASH reads 64-bit words one by one
 *                  (bench/README.md has the profiles). The socket copy into the JDK's cached
 *                  direct buffer costs far less.
 */
public record ListenerBuffers(ByteBufferPool http, ByteBufferPool tlsDirect, ByteBufferPool tlsHeap) {

    /** A TLS record of 16 KiB plus header, padding and tag fits (Undertow's own TLS pool size). */
    private static final int TLS_BUFFER_SIZE = 17 * 1024;

    public static ListenerBuffers create() {
        return new ListenerBuffers(new DefaultByteBufferPool(true, 16 * 1024, -1, 8),
                new DefaultByteBufferPool(true, TLS_BUFFER_SIZE, -1, 12),
                new DefaultByteBufferPool(false, TLS_BUFFER_SIZE, -1, 12));
    }

    /** The record buffers for a listener whose TLS engine is {@code engine} ("openssl" or "jdk"). */
    public ByteBufferPool tls(String engine) {
        return "openssl".equals(engine) ? tlsDirect : tlsHeap;
    }
}
