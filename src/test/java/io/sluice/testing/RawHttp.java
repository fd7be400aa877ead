package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends bytes exactly as written (no client normalising paths or dropping headers) and reads the answer. */
public final class RawHttp {
    private RawHttp() {
    }

    /** Sends a request (CRLF line ends added) with Connection: close and returns the whole response text. */
    public static String exchange(InetSocketAddress address, String requestHead) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(address, 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestHead.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            return response.toString(StandardCharsets.ISO_8859_1);
        }
    }

    public static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /**
     * Reads one message head from a stream, up to and including its blank line (for a scripted
     * backend reading requests, or a client reading a response head); null if the stream ends first.
     */
    public static String readHead(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** The response head only, up to the blank line. */
    public static String head(String response) {
        int end = response.indexOf("\r\n\r\n");
        return end < 0 ? response : response.substring(0, end);
    }
}
