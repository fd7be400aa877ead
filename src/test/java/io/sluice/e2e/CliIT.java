package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.Sluice;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line as operators and systemd use it: check, run, exit codes, messages. */
class CliIT {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result sluice(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Sluice.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Stream<Path> examples() throws Exception {
        Path examples = Path.of(System.getProperty("sluice.examples.dir", "examples"));
        List<Path> files;
        try (Stream<Path> list = Files.list(examples)) {
            files = list.filter(path -> path.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "examples found: " + files);
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExamplePassesCheck(Path example) {
        Result result = sluice("check", "-c", example.toString());
        assertEquals(Sluice.OK, result.code(), result.err());
        assertTrue(result.out().contains("is valid"), result.out());
        assertTrue(result.out().contains("listeners:") && result.out().contains("routes:") && result.out().contains("pools:"), result.out());
    }

    /** What a profile expands to is on screen before the operator starts anything. */
    @Test
    void checkPrintsThePoolAsItsProfileExpandsIt() {
        Result is = sluice("check", "-c", Path.of(System.getProperty("sluice.examples.dir", "examples"), "010-is7-two-node-cluster.conf").toString());
        assertEquals(Sluice.OK, is.code(), is.err());
        assertTrue(is.out().contains("  is: 2 member(s), round-robin, profile wso2-is-7, sticky route+learn+insert on JSESSIONID, inserts SLUICEID_IS, "
                + "health GET /api/health-check/v1.0/health every 5000ms, backend TLS verified, response-timeout 300s, "
                + "internal origins https://localhost:9443 http://localhost:9763\n"), is.out());
        Result apim = sluice("check", "-c", Path.of(System.getProperty("sluice.examples.dir", "examples"),
                "011-apim4-control-plane-gateway-websocket.conf").toString());
        assertEquals(Sluice.OK, apim.code(), apim.err());
        assertTrue(apim.out().contains("  control-plane: 2 member(s), round-robin, profile wso2-apim-4-control-plane, sticky route+learn+insert "
                + "on JSESSIONID, inserts SLUICEID_APIM, health GET /services/Version every 5000ms"), apim.out());
        assertTrue(apim.out().contains("  gateway: 2 member(s), round-robin, profile wso2-apim-4-gateway, backend TLS verified, response-timeout 300s"),
                apim.out());
        assertTrue(apim.out().contains("  websocket: 2 member(s), round-robin, profile wso2-apim-4-websocket, health GET /health every 5000ms"),
                apim.out());
    }

    @Test
    void checkPrintsEveryErrorWithItsLineAndExits1() throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = iss } ]
                  pools { is { members = [ { url = "http://10.0.0.1:9763", wieght = 2 } ] } }
                }
                """);
        Result result = sluice("check", "-c", file.toString());
        assertEquals(Sluice.INVALID_CONFIG, result.code());
        assertTrue(result.err().contains(file + ":3: sluice.routes[0].pool: no pool is named \"iss\""), result.err());
        assertTrue(result.err().contains(file + ":4: sluice.pools.is.members[0].wieght: unknown key \"wieght\""), result.err());
        assertTrue(result.err().contains("did you mean \"weight\"?"), result.err());
        assertTrue(result.err().contains("2 errors"), result.err());
        assertFalse(result.err().contains("Exception"), result.err());
        assertEquals("", result.out());
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(Sluice.USAGE, sluice().code());
        assertEquals(Sluice.USAGE, sluice("check").code());
        assertEquals(Sluice.USAGE, sluice("frobnicate").code());
        Result version = sluice("version");
        assertEquals(Sluice.OK, version.code());
        assertTrue(version.out().startsWith("sluice "), version.out());
    }

    @Test
    void runExitsAtOnceWhenAListenerCannotBindAndReleasesTheOthers() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = dir.resolve("busy.conf");
            Files.writeString(file, """
                    sluice {
                      listeners = [
                        { name = first, bind = "127.0.0.1:%d" }
                        { name = second, bind = "127.0.0.1:%d" }
                      ]
                      routes = [ { prefix = "/", status = 404 } ]
                    }
                    """.formatted(free, taken.getLocalPort()));
            long start = System.nanoTime();
            Result result = sluice("run", "-c", file.toString());
            assertEquals(Sluice.START_FAILED, result.code());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10);
            assertTrue(result.err().contains("listener second cannot bind 127.0.0.1:" + taken.getLocalPort() + ": Address already in use"),
                    result.err());
        }
        // the listener that did bind was released: its port is free again
        try (ServerSocket again = new ServerSocket(free, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(free, again.getLocalPort());
        }
    }

    @Test
    void runRefusesAnInvalidConfigWithExit1() throws Exception {
        Path file = dir.resolve("invalid.conf");
        Files.writeString(file, "sluice { listeners = [ { name = x, bind = nowhere } ] }\n");
        Result result = sluice("run", "-c", file.toString());
        assertEquals(Sluice.INVALID_CONFIG, result.code());
        assertTrue(result.err().contains("\"nowhere\" is not host:port"), result.err());
    }

    /** The packaged jar, as a new process: the real main, exit code and streams. */
    @Test
    void packagedJarCheckReportsErrorsWithoutAStackTrace() throws Exception {
        Path jar = Path.of("target", "sluice.jar");
        if (!Files.exists(jar)) {
            return; // run by failsafe after package; skipped in an IDE run without it
        }
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "sluice {\n  listeners = [ { name = http, bind = \"127.0.0.1:0\" }\n}\n");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "check", "-c", file.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(Sluice.INVALID_CONFIG, process.exitValue(), output);
        assertTrue(output.startsWith(file + ":"), output);
        assertFalse(output.contains("\tat "), output);
    }
}
