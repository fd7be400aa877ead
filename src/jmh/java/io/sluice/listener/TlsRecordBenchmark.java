package io.sluice.listener;

import io.sluice.tls.KeyMaterial;
import io.sluice.tls.SelfSignedCertificate;
import io.sluice.tls.ServerTlsFactory;
import io.sluice.tls.ServerTlsSettings;
import io.sluice.tls.TlsEngine;
import io.sluice.tls.TrustMaterial;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JSSE (the JDK TLS engine) on direct and on heap record buffers: one request record in
 * (client wrap, server unwrap) and one response record out (server wrap, client unwrap) of
 * {@code payload} bytes, TLS 1.3 AES-GCM, the way Undertow's TLS conduit drives an engine.
 * The application buffers are direct, like Sluice's HTTP pool; {@code records} picks the
 * kind of the record buffers, which is what {@link ListenerBuffers#tls} decides.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TlsRecordBenchmark {
    @Param({"heap", "direct"})
    String records;

    @Param({"1024", "16000"}) // a small response, and about a full record (JSSE puts at most 16367 bytes in one)
    int payload;

    SSLEngine server;
    SSLEngine client;
    ByteBuffer application;
    ByteBuffer received;
    ByteBuffer wire;

    @Setup
    public void setUp() throws Exception {
        KeyMaterial certificate = SelfSignedCertificate.generate("RSA", List.of("localhost"), Duration.ofDays(1));
        server = ServerTlsFactory.create("bench", new ServerTlsSettings(TlsEngine.JDK, ServerTlsFactory.MODERN_PROTOCOLS,
                ServerTlsFactory.MODERN_CIPHER_SUITES, List.of("http/1.1")), List.of(certificate)).context().createSSLEngine();
        server.setUseClientMode(false);
        client = TrustMaterial.clientContext(TrustMaterial.trustAll()).createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        int recordSize = server.getSession().getPacketBufferSize();
        wire = "heap".equals(records) ? ByteBuffer.allocate(recordSize) : ByteBuffer.allocateDirect(recordSize);
        application = ByteBuffer.allocateDirect(payload);
        received = ByteBuffer.allocateDirect(server.getSession().getApplicationBufferSize());
        handshake();
        // the first records after the handshake may carry TLS 1.3 session tickets instead of data
        long carried = 0;
        for (int attempt = 0; attempt < 4 && carried != 2L * payload; attempt++) {
            carried = roundTrip();
        }
        if (carried != 2L * payload) {
            throw new IllegalStateException("records did not carry the payload: " + carried + " bytes");
        }
    }

    /** One record each way; returns the application bytes that arrived (2 × payload). */
    @Benchmark
    public long roundTrip() throws SSLException {
        return transfer(client, server) + transfer(server, client);
    }

    private long transfer(SSLEngine from, SSLEngine to) throws SSLException {
        application.clear();
        wire.clear();
        check(from.wrap(application, wire));
        wire.flip();
        received.clear();
        check(to.unwrap(wire, received));
        return received.position();
    }

    private static void check(SSLEngineResult result) {
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new IllegalStateException(result.toString());
        }
    }

    /** Drives both engines to the end of the handshake (and past TLS 1.3's session tickets). */
    private void handshake() throws Exception {
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer sink = ByteBuffer.allocate(1 << 17);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100; step++) {
            step(client, empty, toServer, toClient, sink);
            step(server, empty, toClient, toServer, sink);
            boolean done = client.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
            if (done && toServer.position() == 0 && toClient.position() == 0) {
                return;
            }
        }
        throw new IllegalStateException("no handshake: " + client.getHandshakeStatus() + "/" + server.getHandshakeStatus());
    }

    /** Lets one engine read what the peer sent it ({@code inbox}) and write what it has to say into {@code outbox}. */
    private static void step(SSLEngine engine, ByteBuffer empty, ByteBuffer outbox, ByteBuffer inbox, ByteBuffer sink)
            throws SSLException {
        inbox.flip();
        while (inbox.hasRemaining()) {
            SSLEngineResult result = engine.unwrap(inbox, sink);
            runTasks(engine);
            if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesConsumed() == 0) {
                break;
            }
        }
        inbox.compact();
        while (true) {
            SSLEngineResult result = engine.wrap(empty, outbox);
            runTasks(engine);
            if (result.bytesProduced() == 0) {
                break;
            }
        }
        sink.clear();
    }

    private static void runTasks(SSLEngine engine) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
