package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket HTTP/1.1 backend that records every request it reads whole or in part
 * (method, path, body bytes, and whether the body arrived complete) and then does what
 * its script says for that request: answer, hang up, stay silent, or switch protocols.
 * For the misbehaving peers that retries must survive: a keep-alive connection closed
 * right after a request was read, a member that never answers.
 */
public final class RecordingBackend implements AutoCloseable {

    /** What the backend does once it has read a request. */
    public sealed interface Action permits Answer, HangUp, Silent, SwitchProtocols {
    }

    /** Writes this response (this status and body, keep-alive) after waiting delayMillis. */
    public record Answer(int status, String body, long delayMillis) implements Action {
        public Answer(String body, long delayMillis) {
            this(200, body, delayMillis);
        }
    }

    /** Closes the connection without a response. */
    public record HangUp() implements Action {
    }

    /** Never answers; the connection stays open until the peer closes it. */
    public record Silent() implements Action {
    }

    /** Answers 101 and keeps the connection open, echoing nothing. */
    public record SwitchProtocols() implements Action {
    }

    /** Decides the action for a request: the n-th request on the c-th connection (both from 0). */
    @FunctionalInterface
    public interface Script {
        Action next(Request request, int connection, int requestOnConnection);
    }

    /** One request as read. {@code complete} is false when the body ended early. */
    public record Request(String method, String path, List<String> headers, byte[] body, boolean complete) {
        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final ServerSocket server;
    private final Script script;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    private RecordingBackend(Script script) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.script = script;
        Thread acceptor = new Thread(this::accept, "recording-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static RecordingBackend start(Script script) throws IOException {
        return new RecordingBackend(script);
    }

    public static RecordingBackend answering(String body) throws IOException {
        return start((request, connection, n) -> new Answer(body, 0));
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Every request read so far, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String method) {
        return requests.stream().filter(r -> r.method().equals(method)).toList();
    }

    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                int index = connections.getAndIncrement();
                Thread worker = new Thread(() -> serve(socket, index), "recording-connection-" + index);
                worker.setDaemon(true);
                worker.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket, int connection) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (int n = 0; ; n++) {
                Request request = read(in);
                if (request == null) {
                    return;
                }
                requests.add(request);
                if (!request.complete()) {
                    return;
                }
                Action action = script.next(request, connection, n);
                if (action instanceof Answer answer) {
                    if (answer.delayMillis() > 0) {
                        Thread.sleep(answer.delayMillis());
                    }
                    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 " + answer.status() + " " + (answer.status() == 200 ? "OK" : "Status")
                            + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                } else if (action instanceof HangUp) {
                    return;
                } else if (action instanceof Silent) {
                    while (in.read() >= 0) {
                        // hold the connection until the peer gives up
                    }
                    return;
                } else {
                    out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    while (in.read() >= 0) {
                        // a tunnel that carries nothing back
                    }
                    return;
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // the peer went away
        }
    }

    /** The next request on the connection, null at a clean end; a body cut short is recorded as incomplete. */
    private static Request read(InputStream in) throws IOException {
        String requestLine;
        try {
            requestLine = WireHttp.line(in);
        } catch (EOFException closed) {
            return null;
        }
        List<String> headers = new ArrayList<>();
        long length = 0;
        boolean chunked = false;
        for (String line = WireHttp.line(in); !line.isEmpty(); line = WireHttp.line(in)) {
            headers.add(line);
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        String[] parts = requestLine.split(" ");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = true;
        try {
            if (chunked) {
                while (true) {
                    String size = WireHttp.line(in);
                    int semicolon = size.indexOf(';');
                    int chunk = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (chunk == 0) {
                        while (!WireHttp.line(in).isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    byte[] bytes = in.readNBytes(chunk);
                    body.write(bytes);
                    if (bytes.length < chunk) {
                        complete = false;
                        break;
                    }
                    WireHttp.line(in);
                }
            } else if (length > 0) {
                byte[] bytes = in.readNBytes((int) length);
                body.write(bytes);
                complete = bytes.length == length;
            }
        } catch (EOFException | java.net.SocketException cut) {
            complete = false;
        }
        return new Request(parts[0], parts.length > 1 ? parts[1] : "", headers, body.toByteArray(), complete);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
