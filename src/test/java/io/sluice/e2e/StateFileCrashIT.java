package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testing.Closer;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.Node;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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

    @Test
    void everyAcknowledgedChangeSurvivesASigkillAndNothingElseAppears() throws Exception {
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
            SluiceProcess sluice = closer.add(SluiceProcess.start(dir, config, "sluice-" + round + ".log"));
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
        SluiceProcess last = closer.add(SluiceProcess.start(dir, config, "sluice-3.log"));
        check(settings(client(), last), acknowledged, inFlight, last, seed);
    }

    /** What the restarted process serves must be the acknowledged changes, with or without the one in flight. */
    private static Map<String, Setting> check(Map<String, Setting> found, Map<String, Setting> acknowledged, Change inFlight,
                                              SluiceProcess sluice, long seed) throws IOException {
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

    private static Map<String, Setting> settings(HttpClient client, SluiceProcess sluice) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.adminPort() + "/api/v1/pools/app"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode pool = new ObjectMapper().readTree(response.body());
        Map<String, Setting> settings = new TreeMap<>();
        for (JsonNode member : pool.get("members")) {
            settings.put(member.get("name").asText(), new Setting(member.get("state").asText(), member.get("weight").asInt()));
        }
        return settings;
    }
}
