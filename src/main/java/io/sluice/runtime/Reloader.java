package io.sluice.runtime;

import io.sluice.admin.ReloadOutcome;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.Problem;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads and validates the configuration file again and hands it to the server; refuses anything invalid. */
public final class Reloader {
    private final SluiceServer server;
    private final Path file;

    public Reloader(SluiceServer server, Path file) {
        this.server = server;
        this.file = file;
    }

    public ReloadOutcome reload() {
        try {
            return server.reload(ConfigLoader.load(file));
        } catch (ConfigException e) {
            String problems = e.problems().stream().map(Problem::render).collect(Collectors.joining("\n"));
            org.slf4j.LoggerFactory.getLogger(Reloader.class)
                    .error("reload refused, the running configuration stays; {} has {} error(s):\n{}", file, e.problems().size(), problems);
            return new ReloadOutcome(false, problems);
        }
    }
}
