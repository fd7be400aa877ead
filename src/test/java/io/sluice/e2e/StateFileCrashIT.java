package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testing.Closer;
import io.sluice.testing.Node;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as its own process, killed with SIGKILL while admin changes stream in:
 * after each restart on the same state file, every change answered 200 before the kill is
 * there, and nothing that was never sent is. The one change in flight at the kill may be
 * there or not. (SIGKILL tests what the process does; the fsyncs are what make the same
 * hold across a power cut, which a test cannot cause.)
 */
class StateFileCrashIT {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    static final List<String> MEMBERS = List.of("a", "b", "c");
    static final List<String> STATES = List.of("active", "draining", "disabled", "standby");
    static final Pattern ADMIN_BOUND = Pattern.compile("admin listener bound 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    /** A member's state and weight. */
    record Setting(String state, int weight) {
    }

    /** One change as sent: a state, a weight, or both. */
    record Change(String member, String state, Integer weight) {
        String json() {
            return "{" + (state == null ? "" : "\"state\":\"" + state + "\"") + (state != null && weight != null ? "," : "")
                    + (weight == null ? "" : "\"weight\":" + weight) + "}";
        }

        Map<String, Setting> appliedTo(Map<String, Setting> settings) {
            Map<String, Setting> next = new TreeMap<>(settings);
            Setting old = next.get(member);
            next.put(member, new Setting(state == null ? old.state() : state, weight == null ? old.weight() : weight));
            return next;
        }
    }

    /** The real process, its log, and its admin port once it serves. */
    record Running(Process process, Path log, int adminPort) implements AutoCloseable {
        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void everyAcknowledgedChangeSurvivesASigkillAndNothingElseAppears() throws Exception {
        Path jar = Path.of("target", "sluice.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "needs target/sluice.jar: run by failsafe, after package");
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        StringBuilder members = new StringBuilder();
        for (String name : MEMBERS) {
            members.append("    { url = \"").append(closer.add(Node.start(name, Node.Sessions.NONE)).url()).append("\", route = ")
                    .append(name).append(" }\n");
        }
        Path config = dir.resolve("sluice.conf");
        Files.writeString(config, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [
                %s  ] } }
                  admin { bind = "127.0.0.1:0", token-file = token, state-file = state.json }
                }
                """.formatted(members));
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<String, Setting> acknowledged = new TreeMap<>();
        MEMBERS.forEach(name -> acknowledged.put(name, new Setting("active", 1)));
        Change inFlight = null;
        for (int round = 0; round < 3; round++) {
            Running sluice = closer.add(start(jar, config, round));
            HttpClient client = client(); // a new one each time: no connection kept to a killed process
            Map<String, Setting> found = settings(client, sluice);
            acknowledged.putAll(check(found, acknowledged, inFlight, sluice, seed));
            int killAfter = 10 + random.nextInt(30);
            int sent = 0;
            inFlight = null;
            while (inFlight == null) {
                Change change = change(random);
                if (sent++ == killAfter) {
                    long delayNanos = random.nextInt(3_000_000); // lands before, during or after this change's write
                    Thread killer = new Thread(() -> {
                        long until = System.nanoTime() + delayNanos;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        sluice.process().destroyForcibly(); // SIGKILL on Linux
                    });
                    killer.start();
                }
                try {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + sluice.adminPort() + "/api/v1/pools/app/members/" + change.member()))
                            .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(change.json())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        fail(change.json() + " answered " + response.statusCode() + " " + response.body());
                    }
                    acknowledged.putAll(change.appliedTo(acknowledged));
                } catch (IOException e) {
                    inFlight = change; // the process is gone: this one may or may not have been written
                }
            }
            assertTrue(sluice.process().waitFor(20, TimeUnit.SECONDS), "the killed process ends");
            closer.remove(sluice);
        }
        Running last = closer.add(start(jar, config, 3));
        check(settings(client(), last), acknowledged, inFlight, last, seed);
    }

    /** What the restarted process serves must be the acknowledged changes, with or without the one in flight. */
    private static Map<String, Setting> check(Map<String, Setting> found, Map<String, Setting> acknowledged, Change inFlight,
                                              Running sluice, long seed) throws IOException {
        if (found.equals(acknowledged) || (inFlight != null && found.equals(inFlight.appliedTo(acknowledged)))) {
            return found;
        }
        fail("after the kill (seed " + seed + "): found " + found + ", acknowledged " + acknowledged + ", in flight " + inFlight
                + "\nstate file:\n" + Files.readString(sluice.log().resolveSibling("state.json")) + "\nlog:\n" + Files.readString(sluice.log()));
        return found;
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static Change change(Random random) {
        String member = MEMBERS.get(random.nextInt(MEMBERS.size()));
        return switch (random.nextInt(3)) {
            case 0 -> new Change(member, STATES.get(random.nextInt(STATES.size())), null);
            case 1 -> new Change(member, null, 1 + random.nextInt(100));
            default -> new Change(member, STATES.get(random.nextInt(STATES.size())), 1 + random.nextInt(100));
        };
    }

    private static Map<String, Setting> settings(HttpClient client, Running sluice) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.adminPort() + "/api/v1/pools/app"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode pool = new ObjectMapper().readTree(response.body());
        Map<String, Setting> settings = new TreeMap<>();
        for (JsonNode member : pool.get("members")) {
            settings.put(member.get("name").asText(), new Setting(member.get("state").asText(), member.get("weight").asInt()));
        }
        return settings;
    }

    /** Starts `java -jar sluice.jar run -c FILE` and waits until it serves; its log goes to a file. */
    private Running start(Path jar, Path config, int run) throws Exception {
        Path log = dir.resolve("sluice-" + run + ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-jar", jar.toString(), "run", "-c", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            Matcher bound = ADMIN_BOUND.matcher(text);
            if (bound.find() && text.contains("sluice is serving")) {
                return new Running(process, log, Integer.parseInt(bound.group(1)));
            }
            if (!process.isAlive()) {
                fail("sluice exited with " + process.exitValue() + ":\n" + text);
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        return fail("sluice did not start in 60 s:\n" + Files.readString(log));
    }
}
