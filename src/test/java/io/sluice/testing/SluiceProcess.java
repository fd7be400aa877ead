package io.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged jar as its own process (`java -jar target/sluice.jar run -c FILE`), its log in a
 * file, and its admin port once it serves; {@link #kill} is SIGKILL. For tests of what only a
 * real process shows: a crash, a restart, several instances.
 */
public record SluiceProcess(Process process, Path log, int adminPort) implements AutoCloseable {
    private static final Pattern ADMIN_BOUND = Pattern.compile("admin listener bound 127\\.0\\.0\\.1:(\\d+)");

    /** Starts Sluice on {@code config}, working in {@code dir}, logging to dir/{@code logName}; waits until it serves. */
    public static SluiceProcess start(Path dir, Path config, String logName) throws Exception {
        Path jar = Path.of("target", "sluice.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "needs target/sluice.jar: run by failsafe, after package");
        Path log = dir.resolve(logName);
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-jar", jar.toString(), "run", "-c", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            Matcher bound = ADMIN_BOUND.matcher(text);
            if (bound.find() && text.contains("sluice is serving")) {
                return new SluiceProcess(process, log, Integer.parseInt(bound.group(1)));
            }
            if (!process.isAlive()) {
                fail("sluice exited with " + process.exitValue() + ":\n" + text);
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        return fail("sluice did not start in 60 s:\n" + Files.readString(log));
    }

    /** SIGKILL (what destroyForcibly sends on Linux), and waits for the process to end. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the killed process ends");
    }

    public String logText() throws java.io.IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
