package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A deliberately naive HTTP/2 client: h2c upgrade, then one request on stream 3 whose
 * header values are sent as given (HPACK literals, no Huffman, no validation), so tests
 * can send what real clients refuse to: CR/LF in values, a forged :scheme.
 */
public final class RawHttp2 {
    /**
     * SETTINGS_HEADER_TABLE_SIZE = 0: the server may not index response fields, so every
     * :status arrives as a static-table index or a literal (an earlier 421 would otherwise
     * come back as a dynamic-table index this client does not keep).
     */
    private static final byte[] NO_DYNAMIC_TABLE = {0, 1, 0, 0, 0, 0};
    private static final String NO_DYNAMIC_TABLE_BASE64 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(NO_DYNAMIC_TABLE);

    private RawHttp2() {
    }

    /** Returns the :status of the answer on stream 3. */
    public static int request(InetSocketAddress address, String method, String scheme, String path, Map<String, String> headers)
            throws IOException {
        return request(address, method, scheme, path, "x", headers);
    }

    /** Same, with the given :authority (null: none sent); -1 when the stream was reset. */
    public static int request(InetSocketAddress address, String method, String scheme, String path, String authority,
                              Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /h2c-warmup HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: " + NO_DYNAMIC_TABLE_BASE64 + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            literal(block, ":method", method);
            literal(block, ":scheme", scheme);
            literal(block, ":path", path);
            if (authority != null) {
                literal(block, ":authority", authority);
            }
            for (Map.Entry<String, String> header : headers.entrySet()) {
                literal(block, header.getKey(), header.getValue());
            }
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            frame(out, 4, 0, 0, NO_DYNAMIC_TABLE);          // SETTINGS
            frame(out, 1, 0x5, 3, block.toByteArray());     // HEADERS, END_STREAM | END_HEADERS
            out.flush();
            return statusOnStream3(socket.getInputStream());
        }
    }

    /** One frame as read from the wire. */
    public record Frame(int type, int flags, int stream, byte[] payload) {
        public static final int HEADERS = 1;
        public static final int RST_STREAM = 3;
        public static final int SETTINGS = 4;
        public static final int GOAWAY = 7;

        /** The error code of a RST_STREAM or GOAWAY frame. */
        public int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        }

        /** The value of a setting in a SETTINGS frame, or -1 if it is not there. */
        public long setting(int id) {
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                if ((((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff)) == id) {
                    return ((long) (payload[i + 2] & 0xff) << 24) | ((payload[i + 3] & 0xff) << 16) | ((payload[i + 4] & 0xff) << 8)
                            | (payload[i + 5] & 0xff);
                }
            }
            return -1;
        }
    }

    /**
     * A raw HTTP/2 connection by prior knowledge (a plain listener with h2c = on): streams opened
     * one by one with any headers, bodies sent or withheld at will, frames read as they come.
     */
    public static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;

        public Connection(InetSocketAddress address) throws IOException {
            this(plain(address));
        }

        /** Over a socket already connected: e.g. TLS with ALPN "h2" (see {@link #tls}). */
        public Connection(Socket connected) throws IOException {
            socket = connected;
            socket.setSoTimeout(20_000);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            frame(out, 4, 0, 0, new byte[0]); // SETTINGS
            out.flush();
        }

        private static Socket plain(InetSocketAddress address) throws IOException {
            Socket socket = new Socket();
            socket.connect(address, 5000);
            return socket;
        }

        /** A TLS socket to {@code address} that negotiated "h2" by ALPN (any certificate is trusted). */
        public static Socket tls(InetSocketAddress address) throws IOException {
            javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) Http.trustingContext().getSocketFactory()
                    .createSocket(address.getAddress(), address.getPort());
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            if (!"h2".equals(socket.getApplicationProtocol())) {
                socket.close();
                throw new IOException("the server did not choose h2 by ALPN");
            }
            return socket;
        }

        /** HEADERS on {@code stream}; endStream false leaves the body to come (or not). */
        public void headers(int stream, String method, String path, Map<String, String> headers, boolean endStream) throws IOException {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            literal(block, ":method", method);
            literal(block, ":scheme", "http");
            literal(block, ":path", path);
            literal(block, ":authority", "x");
            for (Map.Entry<String, String> header : headers.entrySet()) {
                literal(block, header.getKey(), header.getValue());
            }
            frame(out, 1, endStream ? 0x5 : 0x4, stream, block.toByteArray());
            out.flush();
        }

        /** DATA on {@code stream}. */
        public void data(int stream, byte[] bytes, boolean endStream) throws IOException {
            frame(out, 0, endStream ? 0x1 : 0x0, stream, bytes);
            out.flush();
        }

        /** SETTINGS ACK, so that the server's settings are in force. */
        public void ackSettings() throws IOException {
            frame(out, 4, 0x1, 0, new byte[0]);
            out.flush();
        }

        public Frame read() throws IOException {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            return new Frame(type, flags, stream, in.readNBytes(length));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static int statusOnStream3(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        // skip the HTTP/1.1 101 head
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the 101");
            }
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        while (true) {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = in.readNBytes(length);
            if (stream == 3 && type == 1) {
                return decodeStatus(payload);
            }
            if (stream == 3 && type == 3) {
                return -1; // RST_STREAM: refused at the HTTP/2 layer
            }
        }
    }

    /** The first header of a response is :status, as an indexed field (HPACK static table 8..14). */
    private static int decodeStatus(byte[] block) {
        int at = 0;
        if ((block[0] & 0xe0) == 0x20) {
            at = 1; // a dynamic table size update first (0 fits its 5-bit prefix)
        }
        int first = block[at] & 0xff;
        if ((first & 0x80) != 0) {
            return switch (first & 0x7f) {
                case 8 -> 200;
                case 9 -> 204;
                case 10 -> 206;
                case 11 -> 304;
                case 12 -> 400;
                case 13 -> 404;
                case 14 -> 500;
                default -> 0;
            };
        }
        // literal with indexed name :status (index 8): value follows, plain or Huffman-coded
        boolean huffman = (block[at + 1] & 0x80) != 0;
        int length = block[at + 1] & 0x7f;
        return huffman ? huffmanDigits(block, at + 2) : Integer.parseInt(new String(block, at + 2, length, StandardCharsets.ISO_8859_1));
    }

    /** Three digits in HPACK's Huffman code (RFC 7541 Appendix B: '0'-'2' are 5 bits, '3'-'9' 6 bits). */
    private static int huffmanDigits(byte[] block, int from) {
        int value = 0;
        int bit = from * 8;
        for (int digit = 0; digit < 3; digit++) {
            int code = bits(block, bit, 5);
            bit += 5;
            if (code > 2) {
                code = (code << 1 | bits(block, bit, 1)) - 25 + 3;
                bit += 1;
            }
            value = value * 10 + code;
        }
        return value;
    }

    private static int bits(byte[] block, int from, int count) {
        int result = 0;
        for (int i = from; i < from + count; i++) {
            result = result << 1 | ((block[i / 8] >> (7 - i % 8)) & 1);
        }
        return result;
    }

    private static void literal(ByteArrayOutputStream block, String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        block.write(0x00); // literal without indexing, new name
        block.write(n.length);
        block.writeBytes(n);
        block.write(v.length);
        block.writeBytes(v);
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type, (byte) flags,
            (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream});
        out.write(payload);
    }
}
