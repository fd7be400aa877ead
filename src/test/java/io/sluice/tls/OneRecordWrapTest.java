package io.sluice.tls;

import static io.sluice.tls.TlsTestSupport.RSA_LOCALHOST;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server engine from a listener's context (wildfly-openssl's, behind {@link HandshakeCountingEngine})
 * against a JSSE client, in memory: after the handshake, a response's head and body buffers leave as one
 * record, and the client reads back exactly the bytes that went in.
 */
class OneRecordWrapTest {

    @TempDir
    static Path dir;
    static SSLContext server;
    static SSLContext client;

    @BeforeAll
    static void contexts() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"));
        assertTrue(OpenSsl.status().available(), OpenSsl.status().detail());
        ServerTls tls = ServerTlsFactory.create("t", new ServerTlsSettings(TlsEngine.OPENSSL, null, null, null), List.of(RSA_LOCALHOST));
        server = HandshakeCountingContext.wrap(tls.context(), new HandshakeOutcomes() {
            @Override
            public void completed() {
            }

            @Override
            public void failed() {
            }
        });
        SelfSignedCertificate.writePem(RSA_LOCALHOST, dir.resolve("rsa.pem"), dir.resolve("rsa.key"));
        client = TrustMaterial.clientContext(TrustMaterial.fromPemBundle(dir.resolve("rsa.pem")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void headAndBodyLeaveAsOneRecord(String protocol) throws Exception {
        Pair pair = new Pair(protocol);
        assertTrue(OneRecordWrap.needed(((HandshakeCountingEngine) pair.server).delegate()), "the server engine is wildfly-openssl's");

        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[1024];
        Arrays.fill(body, (byte) 'b');
        ByteBuffer[] response = {direct(head), direct(body)};
        ByteBuffer net = ByteBuffer.allocateDirect(pair.server.getSession().getPacketBufferSize());
        SSLEngineResult result = pair.server.wrap(response, 0, 2, net);

        assertEquals(head.length + body.length, result.bytesConsumed());
        assertEquals(0, response[0].remaining() + response[1].remaining());
        net.flip();
        assertEquals(1, records(net), "one record for head and body");
        assertArrayEquals(concat(head, body), pair.read(net));
    }

    @ParameterizedTest
    @ValueSource(ints = {100, OneRecordWrap.MAX_PLAINTEXT - 10})
    void moreThanARecordFillsOneRecordAndLeavesTheRestWhereItWas(int headLength) throws Exception {
        Pair pair = new Pair("TLSv1.3");
        byte[] head = new byte[headLength];
        Arrays.fill(head, (byte) 'h');
        byte[] body = new byte[64 * 1024];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        ByteBuffer[] response = {direct(head), direct(body)};
        byte[] received = new byte[0];
        while (response[1].hasRemaining()) {
            ByteBuffer net = ByteBuffer.allocateDirect(pair.server.getSession().getPacketBufferSize());
            SSLEngineResult result = pair.server.wrap(response, 0, 2, net);
            assertTrue(result.bytesConsumed() > 0);
            assertTrue(result.bytesConsumed() <= OneRecordWrap.MAX_PLAINTEXT);
            net.flip();
            assertEquals(1, records(net));
            received = concat(received, pair.read(net));
        }
        assertEquals(head.length + body.length, received.length);
        assertArrayEquals(concat(head, body), received);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void heapBuffersAndEmptyOnesAreStagedToo(int buffers) throws Exception {
        Pair pair = new Pair("TLSv1.3");
        ByteBuffer[] response = new ByteBuffer[buffers + 2];
        response[0] = ByteBuffer.allocate(0);
        byte[] expected = new byte[0];
        for (int i = 1; i <= buffers; i++) {
            byte[] part = ("part " + i + " ").repeat(50).getBytes(StandardCharsets.US_ASCII);
            response[i] = ByteBuffer.wrap(part);
            expected = concat(expected, part);
        }
        response[buffers + 1] = ByteBuffer.allocateDirect(0);
        ByteBuffer net = ByteBuffer.allocateDirect(pair.server.getSession().getPacketBufferSize());
        SSLEngineResult result = pair.server.wrap(response, 0, response.length, net);
        assertEquals(expected.length, result.bytesConsumed());
        net.flip();
        assertEquals(1, records(net));
        assertArrayEquals(expected, pair.read(net));
    }

    /** TLS records in {@code net}, checked to end exactly at its limit. */
    private static int records(ByteBuffer net) {
        int count = 0;
        for (int at = net.position(); at < net.limit(); count++) {
            assertEquals(23, net.get(at), "application data record");
            at += 5 + ((net.get(at + 3) & 0xff) << 8 | net.get(at + 4) & 0xff);
            assertTrue(at <= net.limit());
        }
        return count;
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** A connected server and client engine, the handshake done in memory. */
    private static final class Pair {
        final SSLEngine server;
        final SSLEngine client;

        Pair(String protocol) throws Exception {
            server = OneRecordWrapTest.server.createSSLEngine();
            server.setUseClientMode(false);
            client = OneRecordWrapTest.client.createSSLEngine("localhost", 443);
            client.setUseClientMode(true);
            client.setEnabledProtocols(new String[] {protocol});
            handshake();
        }

        private void handshake() throws Exception {
            int size = 64 * 1024;
            ByteBuffer toServer = ByteBuffer.allocateDirect(size);
            ByteBuffer toClient = ByteBuffer.allocateDirect(size);
            ByteBuffer scratch = ByteBuffer.allocate(size);
            ByteBuffer empty = ByteBuffer.allocate(0);
            client.beginHandshake();
            server.beginHandshake();
            AtomicInteger rounds = new AtomicInteger();
            while (!done(client) || !done(server)) {
                assertTrue(rounds.incrementAndGet() < 200, "handshake did not finish");
                step(client, empty, toServer, toClient, scratch);
                step(server, empty, toClient, toServer, scratch);
            }
            // As on a connection: the client sends a request, the server reads it (which settles the
            // handshake), and the client reads whatever the server still had to send (TLS 1.3 tickets).
            client.wrap(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), toServer);
            toServer.flip();
            scratch.clear();
            while (toServer.hasRemaining() && server.unwrap(toServer, scratch).bytesConsumed() > 0) {
                // until the request's record is read
            }
            assertEquals("GET / HTTP/1.1\r\n\r\n", new String(scratch.array(), 0, scratch.position(), StandardCharsets.US_ASCII));
            while (server.wrap(empty, toClient).bytesProduced() > 0) {
                // pending handshake messages
            }
            toClient.flip();
            while (toClient.hasRemaining()) {
                scratch.clear();
                if (client.unwrap(toClient, scratch).bytesConsumed() == 0) {
                    break;
                }
            }
            assertEquals(0, toClient.remaining());
        }

        private static boolean done(SSLEngine engine) {
            HandshakeStatus status = engine.getHandshakeStatus();
            return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
        }

        /** One engine's turn: wrap what it has to send into {@code out}, unwrap what {@code in} holds for it. */
        private static void step(SSLEngine engine, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer scratch) throws Exception {
            for (int i = 0; i < 10 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
                engine.wrap(empty, out);
            }
            for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                task.run();
            }
            in.flip();
            for (int i = 0; i < 10 && in.hasRemaining() && engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP; i++) {
                scratch.clear();
                if (engine.unwrap(in, scratch).bytesConsumed() == 0) {
                    break;
                }
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
            }
            in.compact();
        }

        byte[] read(ByteBuffer net) throws Exception {
            ByteBuffer plain = ByteBuffer.allocate(64 * 1024);
            while (net.hasRemaining()) {
                SSLEngineResult result = client.unwrap(net, plain);
                assertEquals(SSLEngineResult.Status.OK, result.getStatus());
            }
            plain.flip();
            byte[] bytes = new byte[plain.remaining()];
            plain.get(bytes);
            return bytes;
        }
    }
}
