package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain java.net.Socket, written and read byte by byte: for requests and
 * response heads that HTTP client libraries would filter or refuse (hop-by-hop headers,
 * restricted headers, a chosen Host).
 */
public final class WireHttp {
    private WireHttp() {
    }

    /** A parsed response: status line, header fields in order, body (de-chunked). */
    public record Response(String statusLine, List<Map.Entry<String, String>> headers, byte[] body) {
        public int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        /** First value of the header (case-insensitive name), or null. */
        public String header(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
        }

        public boolean has(String name) {
            return header(name) != null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(statusLine).append('\n');
            headers.forEach(h -> text.append(h.getKey()).append(": ").append(h.getValue()).append('\n'));
            return text.toString();
        }
    }

    /**
     * Sends {@code head} (request line and header lines, each without CRLF; the blank line is
     * added) and {@code body}, then reads one response. The connection is closed afterwards.
     */
    public static Response exchange(int port, List<String> head, byte[] body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15000);
            OutputStream out = socket.getOutputStream();
            StringBuilder text = new StringBuilder();
            for (String line : head) {
                text.append(line).append("\r\n");
            }
            text.append("\r\n");
            out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            boolean headRequest = head.get(0).startsWith("HEAD ");
            return read(socket.getInputStream(), headRequest);
        }
    }

    public static Response get(int port, String path, String... headerLines) throws IOException {
        List<String> head = new ArrayList<>();
        head.add("GET " + path + " HTTP/1.1");
        head.addAll(List.of(headerLines));
        return exchange(port, head, null);
    }

    /** Reads one response from a connection the caller keeps (keep-alive sequences). */
    public static Response readResponse(InputStream in) throws IOException {
        return read(in, false);
    }

    static Response read(InputStream in, boolean headRequest) throws IOException {
        String statusLine = line(in);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
        }
        Response headOnly = new Response(statusLine, headers, new byte[0]);
        int status = headOnly.status();
        if (headRequest || status == 204 || status == 304 || status / 100 == 1) {
            return headOnly;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String length = headOnly.header("Content-Length");
        String encoding = headOnly.header("Transfer-Encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = line(in);
                int semicolon = size.indexOf(';');
                int chunk = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (chunk == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.write(in.readNBytes(chunk));
                line(in);
            }
        } else if (length != null) {
            byte[] bytes = in.readNBytes(Integer.parseInt(length));
            body.write(bytes);
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(statusLine, headers, body.toByteArray());
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after \"" + line.toString(StandardCharsets.ISO_8859_1) + "\"");
            }
            if (b == '\n' && previous == '\r') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
    }
}
