package io.sluice.runtime;

import io.sluice.admin.ReloadOutcome;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local control socket `sluice reload` talks to: a UNIX socket (mode 0660, so only the
 * service user and its group reach it) on a thread of its own, off the IO threads. One
 * command per connection; the answer's first line is "ok" or "refused", then the detail.
 */
public final class ControlSocket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocket.class);

    private final Path path;
    private final ServerSocketChannel server;

    private ControlSocket(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    public static ControlSocket open(Path path, Supplier<ReloadOutcome> reload) throws IOException {
        if (Files.exists(path)) {
            if (isAlive(path)) {
                throw new IOException("another process is listening on " + path);
            }
            Files.delete(path); // left by a process that died
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        ControlSocket socket = new ControlSocket(path, server);
        Thread thread = new Thread(() -> socket.serve(reload), "sluice-control");
        thread.setDaemon(true);
        thread.start();
        LOG.info("control socket {} ready (sluice reload)", path);
        return socket;
    }

    private static boolean isAlive(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private void serve(Supplier<ReloadOutcome> reload) {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                String command = new String(Channels.newInputStream(client).readNBytes(64), StandardCharsets.UTF_8).trim();
                String answer;
                if (command.equals("reload")) {
                    ReloadOutcome outcome = reload.get();
                    answer = (outcome.applied() ? "ok\n" : "refused\n") + outcome.summary() + "\n";
                } else {
                    answer = "refused\nunknown command \"" + command + "\" (known: reload)\n";
                }
                client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("control socket: {}", e.getMessage());
                }
            }
        }
    }

    /** Sends one command to a running Sluice and returns its answer. */
    public static String send(Path path, String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.shutdownOutput();
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("control socket {}: {}", path, e.getMessage());
        }
    }
}
