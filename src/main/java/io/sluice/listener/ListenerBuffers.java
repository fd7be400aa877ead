package io.sluice.listener;

import io.undertow.connector.ByteBufferPool;

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
 *                  (README, Performance). The socket copy into the JDK's cached
 *                  direct buffer costs far less.
 */
public record ListenerBuffers(ByteBufferPool http, ByteBufferPool tlsDirect, ByteBufferPool tlsHeap) {

    /** A TLS record of 16 KiB plus header, padding and tag fits (Undertow's own TLS pool size). */
    private static final int TLS_BUFFER_SIZE = 17 * 1024;

    /**
     * The pools keep up to 1024 HTTP and 512 TLS buffers of each kind beyond the threads' own
     * caches (16 and 8.5 MiB): a burst's buffers are reused, not kept forever.
     */
    public static ListenerBuffers create() {
        return new ListenerBuffers(new ThreadCachedBufferPool(true, 16 * 1024, 8, 1024),
                new ThreadCachedBufferPool(true, TLS_BUFFER_SIZE, 12, 512),
                new ThreadCachedBufferPool(false, TLS_BUFFER_SIZE, 12, 512));
    }

    /** The record buffers for a listener whose TLS engine is {@code engine} ("openssl" or "jdk"). */
    public ByteBufferPool tls(String engine) {
        return "openssl".equals(engine) ? tlsDirect : tlsHeap;
    }
}
