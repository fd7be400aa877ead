package io.sluice.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.undertow.client.ClientResponse;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every head of the table is fed whole, split in two at every byte, and byte by byte:
 * the parser must reach the same verdict however the bytes arrive.
 */
class ResponseHeadParserTest {
    private static final int LIMIT = 512;

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("two-digit status", "HTTP/1.1 20 OK\r\n\r\n"),
                Arguments.of("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n"),
                Arguments.of("letters in status", "HTTP/1.1 2x0 OK\r\n\r\n"),
                Arguments.of("status below 100", "HTTP/1.1 099 Odd\r\n\r\n"),
                Arguments.of("no space after status", "HTTP/1.1 200OK\r\n\r\n"),
                Arguments.of("HTTP/2 status line", "HTTP/2.0 200 OK\r\n\r\n"),
                Arguments.of("lower-case protocol", "http/1.1 200 OK\r\n\r\n"),
                Arguments.of("not HTTP", "ICY 200 OK\r\n\r\n"),
                Arguments.of("empty status line", "\r\n\r\n"),
                Arguments.of("bare LF ends the status line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"),
                Arguments.of("bare LF ends the head", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"),
                Arguments.of("CR without LF", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"),
                Arguments.of("CR CR", "HTTP/1.1 200 OK\r\n\r\r\n"),
                Arguments.of("control character in reason", "HTTP/1.1 200 O\u0001K\r\n\r\n"),
                Arguments.of("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
                Arguments.of("no colon", "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n"),
                Arguments.of("empty name", "HTTP/1.1 200 OK\r\n: x\r\n\r\n"),
                Arguments.of("bad byte in name", "HTTP/1.1 200 OK\r\nX@Y: 1\r\n\r\n"),
                Arguments.of("non-ASCII name", "HTTP/1.1 200 OK\r\nX\u00e9: 1\r\n\r\n"),
                Arguments.of("obs-fold with space", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n"),
                Arguments.of("obs-fold with tab", "HTTP/1.1 200 OK\r\nX-A: 1\r\n\t2\r\n\r\n"),
                Arguments.of("NUL in value", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n"),
                Arguments.of("control character in value", "HTTP/1.1 200 OK\r\nX-A: a\u001bb\r\n\r\n"),
                Arguments.of("DEL in value", "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\n\r\n"),
                Arguments.of("Transfer-Encoding and Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
                Arguments.of("Content-Length and Transfer-Encoding", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n\r\n"),
                Arguments.of("differing Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
                Arguments.of("Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n"),
                Arguments.of("negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
                Arguments.of("empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
                Arguments.of("huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789012\r\n\r\n"),
                Arguments.of("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
                Arguments.of("chunked twice over two lines", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
                Arguments.of("empty Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n"),
                Arguments.of("head over the limit", "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(LIMIT) + "\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedHeadsAreRefusedHoweverTheyArrive(String name, String head) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        for (int[] reads : splits(bytes.length)) {
            ResponseHeadParser parser = new ResponseHeadParser(LIMIT);
            parser.beginHead(0);
            assertThrows(MalformedResponseException.class, () -> feed(parser, bytes, reads), () -> name + " read as " + java.util.Arrays.toString(reads));
        }
    }

    @Test
    void aRealisticHeadIsReadTheSameHoweverItArrives() throws Exception {
        String head = "HTTP/1.1 200 OK\r\n"
                + "Date: Mon, 07 Dec 2026 10:00:00 GMT\r\n"
                + "content-type: text/html;charset=UTF-8\r\n"
                + "Content-Length: 1024\r\n"
                + "Set-Cookie: JSESSIONID=ABC; Path=/; Secure; HttpOnly\r\n"
                + "Set-Cookie: other=1\r\n"
                + "X-Frame-Options:DENY   \r\n"
                + "X-Custom-Thing: caf\u00e9\t\r\n"
                + "\r\n";
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        for (int[] reads : splits(bytes.length)) {
            ResponseHeadParser parser = new ResponseHeadParser(LIMIT);
            parser.beginHead(0);
            assertEquals(bytes.length, feed(parser, bytes, reads));
            ClientResponse response = parser.parseHead(bytes);
            assertEquals(200, response.getResponseCode());
            assertEquals("OK", response.getStatus());
            assertSame(Protocols.HTTP_1_1, response.getProtocol());
            HeaderMap headers = response.getResponseHeaders();
            assertEquals("text/html;charset=UTF-8", headers.getFirst(Headers.CONTENT_TYPE));
            assertEquals(2, headers.get(Headers.SET_COOKIE).size());
            assertEquals("DENY", headers.getFirst(new HttpString("X-Frame-Options")));
            assertEquals("caf\u00e9", headers.getFirst(new HttpString("x-custom-thing")));
            assertEquals(1024, parser.contentLength);
            assertEquals(ResponseHeadParser.NO_CODING, parser.transferCoding);
        }
    }

    @Test
    void knownNamesAreUndertowsConstantsAndUnknownOnesKeepTheirSpelling() throws Exception {
        ClientResponse response = parse("HTTP/1.1 200 OK\r\ncontent-TYPE: a\r\nX-Odd-Name: b\r\n\r\n");
        HttpString[] names = response.getResponseHeaders().getHeaderNames().toArray(new HttpString[0]);
        assertTrue(java.util.Arrays.stream(names).anyMatch(n -> n == Headers.CONTENT_TYPE), java.util.Arrays.toString(names));
        assertTrue(java.util.Arrays.stream(names).anyMatch(n -> n.toString().equals("X-Odd-Name")), java.util.Arrays.toString(names));
        assertSame(Headers.SET_COOKIE, ResponseHeadParser.name("set-cookie".getBytes(StandardCharsets.US_ASCII), 0, 10));
    }

    @Test
    void theFramingFieldsAreRead() throws Exception {
        ResponseHeadParser parser = new ResponseHeadParser(LIMIT);
        parse(parser, "HTTP/1.1 503 \r\nRetry-After: 30\r\nContent-Length: 5\r\n\r\n");
        assertEquals(5, parser.contentLength);
        ClientResponse tomcat = parse(parser, "HTTP/1.1 503 \r\n\r\n");
        assertEquals("", tomcat.getStatus());
        assertEquals(204, parse(parser, "HTTP/1.1 204\r\n\r\n").getResponseCode());
        assertSame(Protocols.HTTP_1_0, parse(parser, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").getProtocol());
        assertTrue(parser.connectionKeepAlive);
        parse(parser, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n");
        assertEquals(ResponseHeadParser.CHUNKED, parser.transferCoding);
        parse(parser, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
        assertEquals(ResponseHeadParser.OTHER_CODING, parser.transferCoding);
        ClientResponse twice = parse(parser, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n");
        assertEquals(1, twice.getResponseHeaders().get(Headers.CONTENT_LENGTH).size());
        assertEquals(7, parser.contentLength);
        parse(parser, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n");
        assertTrue(parser.connectionUpgrade && parser.connectionClose && parser.upgradeHeader);
        parse(parser, "HTTP/1.1 200 OK\r\n\r\n");
        assertEquals(-1, parser.contentLength);
        assertTrue(!parser.connectionClose && !parser.upgradeHeader);
    }

    @Test
    void trailersAreReadLikeFieldsAndMayBeNone() throws Exception {
        byte[] bytes = "\r\nX-Checksum: abc\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ResponseHeadParser parser = new ResponseHeadParser(LIMIT);
        parser.beginTrailers(0);
        assertEquals(2, parser.scan(bytes, bytes.length));
        HeaderMap none = new HeaderMap();
        parser.parseTrailers(bytes, none);
        assertEquals(0, none.size());
        parser.beginTrailers(2);
        assertEquals(bytes.length, parser.scan(bytes, bytes.length));
        HeaderMap trailers = new HeaderMap();
        parser.parseTrailers(bytes, trailers);
        assertEquals("abc", trailers.getFirst(new HttpString("X-Checksum")));
    }

    @Test
    void aHeadMovedInTheBufferIsStillRead() throws Exception {
        byte[] bytes = "xxxxHTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ResponseHeadParser parser = new ResponseHeadParser(LIMIT);
        parser.beginHead(4);
        assertEquals(-1, parser.scan(bytes, 22));
        System.arraycopy(bytes, 4, bytes, 0, bytes.length - 4);
        parser.shift(-4);
        assertEquals(bytes.length - 4, parser.scan(bytes, bytes.length - 4));
        assertEquals("1", parser.parseHead(bytes).getResponseHeaders().getFirst(new HttpString("X-A")));
    }

    private static ClientResponse parse(String head) throws Exception {
        return parse(new ResponseHeadParser(LIMIT), head);
    }

    private static ClientResponse parse(ResponseHeadParser parser, String head) throws Exception {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        parser.beginHead(0);
        assertEquals(bytes.length, parser.scan(bytes, bytes.length));
        return parser.parseHead(bytes);
    }

    /** Scans the bytes as they would arrive in reads ending at the given offsets; then parses. */
    private static int feed(ResponseHeadParser parser, byte[] bytes, int[] reads) throws MalformedResponseException {
        for (int r = 0; r < reads.length; r++) {
            int end = parser.scan(bytes, reads[r]);
            if (end >= 0) {
                parser.parseHead(bytes);
                return end;
            }
        }
        fail("the head never ended");
        return -1;
    }

    /** Whole; in two at every byte; one byte per read. */
    private static java.util.List<int[]> splits(int length) {
        java.util.List<int[]> all = new java.util.ArrayList<>();
        all.add(new int[] {length});
        for (int k = 1; k < length; k++) {
            all.add(new int[] {k, length});
        }
        int[] single = new int[length];
        for (int k = 0; k < length; k++) {
            single[k] = k + 1;
        }
        all.add(single);
        return all;
    }
}
