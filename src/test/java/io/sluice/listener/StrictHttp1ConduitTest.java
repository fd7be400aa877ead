package io.sluice.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.syntax.Refusal;
import io.sluice.http.Refusals;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The scanner under Undertow's parser, fed the way TCP may deliver bytes: a keep-alive
 * sequence of well-formed requests split at every possible point is never refused, and
 * a bad head is refused at the same byte however it is split.
 */
class StrictHttp1ConduitTest {
    private static final String GOOD = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\nX-Tab: a\tb\r\n\r\n"
            + "x\r\n y\r\nGET / H"
            + "POST /b HTTP/1.1\r\nHost: x\r\ntransfer-encoding:  Chunked \r\n\r\n"
            + "5;ext=\"v\"\r\nx\r\n z\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n"
            + "GET /c HTTP/1.0\r\nContent-length: 0\r\n\r\n"
            + "GET /d HTTP/1.1\r\nHost: x\r\nX-Obs-Text: caf\u00e9\r\n\r\n";

    private static StrictHttp1Conduit conduit(Refusals refusals) {
        StreamSourceConduit unused = (StreamSourceConduit) Proxy.newProxyInstance(StrictHttp1ConduitTest.class.getClassLoader(),
                new Class<?>[] {StreamSourceConduit.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        return new StrictHttp1Conduit(unused, null, refusals);
    }

    /** Feeds the bytes in two reads split at {@code split}, as direct buffers; returns what the parser would read. */
    private static byte[] feed(StrictHttp1Conduit conduit, byte[] bytes, int split) throws IOException {
        ByteBuffer first = ByteBuffer.allocateDirect(split);
        first.put(bytes, 0, split).flip();
        conduit.scan(first, 0, split);
        ByteBuffer second = ByteBuffer.allocateDirect(bytes.length - split);
        second.put(bytes, split, bytes.length - split).flip();
        conduit.scan(second, 0, bytes.length - split);
        byte[] seen = new byte[bytes.length];
        first.get(0, seen, 0, split);
        second.get(0, seen, split, bytes.length - split);
        return seen;
    }

    private static long total(Refusals refusals) {
        long total = 0;
        for (Refusal reason : Refusal.values()) {
            total += refusals.count(reason);
        }
        return total;
    }

    @Test
    void wellFormedKeepAliveSequenceSplitAnywhereIsUntouched() throws Exception {
        byte[] bytes = (GOOD + GOOD).getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            Refusals refusals = new Refusals("test");
            byte[] seen = feed(conduit(refusals), bytes, split);
            assertEquals(0, total(refusals), "split at " + split);
            assertEquals(new String(bytes, StandardCharsets.ISO_8859_1), new String(seen, StandardCharsets.ISO_8859_1), "split at " + split);
        }
    }

    @Test
    void obsFoldAfterABodyIsRefusedAtItsFirstByteWhereverTheReadsSplit() throws Exception {
        String bad = "GET /e HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n";
        byte[] bytes = (GOOD + bad).getBytes(StandardCharsets.ISO_8859_1);
        int fold = GOOD.length() + bad.indexOf("\r\n b") + 2;
        for (int split = 0; split <= bytes.length; split++) {
            Refusals refusals = new Refusals("test");
            byte[] seen = feed(conduit(refusals), bytes, split);
            assertEquals(1, refusals.count(Refusal.OBS_FOLD), "split at " + split);
            assertEquals(1, total(refusals), "split at " + split);
            assertEquals(0, seen[fold], "split at " + split);
            seen[fold] = ' ';
            assertEquals(new String(bytes, StandardCharsets.ISO_8859_1), new String(seen, StandardCharsets.ISO_8859_1), "only that byte");
        }
    }

    @Test
    void framingRulesNameTheirReason() throws Exception {
        String[][] cases = {
            {"framing", "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"},
            {"framing", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"},
            {"framing", "POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n"},
            {"framing", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"},
            {"framing", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"},
            {"framing", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"},
            {"framing", "POST / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n"},
            {"framing", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"},
            {"header-name", "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n"},
            {"header-name", "GET / HTTP/1.1\r\n: empty-name\r\n\r\n"},
            {"control-char", "GET / HTTP/1.1\r\nX: a\u001bb\r\n\r\n"},
            {"control-char", "GET /\u0001 HTTP/1.1\r\n\r\n"},
            {"bare-lf", "GET / HTTP/1.1\r\nX: a\r\r\n\r\n"},
            {"obs-fold", "GET / HTTP/1.1\r\n\tX: a\r\n\r\n"},
        };
        for (String[] c : cases) {
            Refusals refusals = new Refusals("test");
            byte[] bytes = c[1].getBytes(StandardCharsets.ISO_8859_1);
            byte[] seen = feed(conduit(refusals), bytes, bytes.length / 2);
            assertEquals(1, total(refusals), c[1]);
            assertEquals(c[0], java.util.Arrays.stream(Refusal.values()).filter(r -> refusals.count(r) == 1).findFirst().orElseThrow().label(), c[1]);
            assertEquals(1, countNul(seen) - countNul(bytes), "one byte poisoned: " + c[1]);
        }
    }

    @Test
    void badChunkFramingFailsTheBodyRead() {
        Refusals refusals = new Refusals("test");
        StrictHttp1Conduit conduit = conduit(refusals);
        byte[] bytes = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(IOException.class, () -> feed(conduit, bytes, bytes.length));
        assertEquals(1, refusals.count(Refusal.BARE_LF));
    }

    @Test
    void afterAnUpgradeRequestTheConnectionIsAnotherProtocol() throws Exception {
        Refusals refusals = new Refusals("test");
        byte[] bytes = ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                + "\u0081\u0085\r\n \n\u0000 any frame bytes").getBytes(StandardCharsets.ISO_8859_1);
        byte[] seen = feed(conduit(refusals), bytes, 10);
        assertEquals(0, total(refusals));
        assertEquals(new String(bytes, StandardCharsets.ISO_8859_1), new String(seen, StandardCharsets.ISO_8859_1));
    }

    private static int countNul(byte[] bytes) {
        int count = 0;
        for (byte b : bytes) {
            count += b == 0 ? 1 : 0;
        }
        return count;
    }
}
