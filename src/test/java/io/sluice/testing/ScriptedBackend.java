package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that writes a fixed response, byte for byte, to every request head it reads,
 * on keep-alive connections: for what real servers do and test servers don't (Tomcat's
 * "HTTP/1.1 503 " without a reason phrase). It counts accepted and still-open connections.
 */
public final class ScriptedBackend implements AutoCloseable {
    private final ServerSocket server;
    private final String response;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();

    private ScriptedBackend(String response) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.response = response;
        Thread acceptor = new Thread(this::accept, "scripted-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @param response the whole response, CRLF line ends included */
    public static ScriptedBackend answering(String response) throws IOException {
        return new ScriptedBackend(response);
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    public int open() {
        return open.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                Thread worker = new Thread(() -> serve(socket), "scripted-connection");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            int matched = 0;
            int b;
            while ((b = in.read()) >= 0) {
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    matched = 0;
                }
            }
        } catch (IOException ignored) {
            // the peer went away
        } finally {
            open.decrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
