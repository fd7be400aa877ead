package io.sluice.testing;

import io.sluice.admin.ReloadOutcome;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.runtime.SluiceServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real Sluice, started in-process from a real config file written to a directory;
 * listeners use port 0 so tests never collide, and {@link #uri} finds the bound port.
 */
public final class RunningSluice implements AutoCloseable {
    private final SluiceServer server;
    private volatile SluiceConfig config;

    private RunningSluice(SluiceServer server, SluiceConfig config) {
        this.server = server;
        this.config = config;
    }

    /** Tests that do not set up the admin get one on an ephemeral port, never the fixed default. */
    private static String withTestAdmin(String hocon) {
        return hocon.contains("admin {") || hocon.contains("admin.bind") ? hocon : hocon + "\nsluice.admin.bind = \"127.0.0.1:0\"\n";
    }

    /** Rewrites the config file and reloads it as SIGHUP would. */
    public ReloadOutcome reload(String hocon) throws Exception {
        Files.writeString(config.source(), withTestAdmin(hocon));
        ReloadOutcome outcome = new io.sluice.runtime.Reloader(server, config.source()).reload();
        if (outcome.applied()) {
            config = ConfigLoader.load(config.source());
        }
        return outcome;
    }

    public Path file() {
        return config.source();
    }

    /** Writes {@code hocon} to dir/sluice.conf, loads and validates it, and starts Sluice. */
    public static RunningSluice start(Path dir, String hocon) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, withTestAdmin(hocon));
        SluiceConfig config = ConfigLoader.load(file);
        return new RunningSluice(SluiceServer.start(config), config);
    }

    public SluiceServer server() {
        return server;
    }

    public int port(String listener) {
        return server.address(listener).getPort();
    }

    public InetSocketAddress address(String listener) {
        return server.address(listener);
    }

    /** e.g. uri("https", "/is-commonauth?x=1") → https://127.0.0.1:PORT/is-commonauth?x=1 */
    public URI uri(String listener, String pathAndQuery) {
        String scheme = config.listener(listener).protocol();
        return URI.create(scheme + "://127.0.0.1:" + port(listener) + pathAndQuery);
    }

    /** Same, with "localhost" as host (matches the self-signed certificates tests make). */
    public URI localhostUri(String listener, String pathAndQuery) {
        String scheme = config.listener(listener).protocol();
        return URI.create(scheme + "://localhost:" + port(listener) + pathAndQuery);
    }

    @Override
    public void close() {
        server.close();
    }
}
