package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.Sluice;
import io.sluice.runtime.StartupException;
import io.sluice.testing.Closer;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin state file in a running Sluice: a failed write fails the API call and changes
 * nothing; a damaged file stops a start (and a reload to it) with the file and the reason;
 * a file in the flat format of earlier versions is read and rewritten; request bodies are
 * checked field by field.
 */
class StateFileIT {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private String config(Node a, Node b, String stateFile) throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        return """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [
                    { url = "%s", route = a }
                    { url = "%s", route = b }
                  ] } }
                  admin {
                    bind = "127.0.0.1:0"
                    token-file = token
                    state-file = "%s"
                  }
                }
                """.formatted(a.url(), b.url(), stateFile);
    }

    private RunningSluice start(String config) throws Exception {
        return closer.add(RunningSluice.start(dir, config));
    }

    private Node node(String name) {
        return closer.add(Node.start(name, Node.Sessions.NONE));
    }

    private static HttpResponse<String> post(RunningSluice sluice, String path, String json) throws Exception {
        return Http.client().send(HttpRequest.newBuilder(admin(sluice, path)).POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI admin(RunningSluice sluice, String path) {
        return URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + path);
    }

    private static String state(RunningSluice sluice, String member) {
        return sluice.server().generation().pools().get("app").member(member).state().configName();
    }

    private static int weight(RunningSluice sluice, String member) {
        return sluice.server().generation().pools().get("app").member(member).weight();
    }

    private static List<String> members(RunningSluice sluice) {
        return sluice.server().generation().pools().get("app").members().stream().map(m -> m.name()).toList();
    }

    private static Map<String, Integer> spread(RunningSluice sluice, int requests) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(Http.get(Http.client(), sluice.uri("http", "/")).body(), 1, Integer::sum);
        }
        return counts;
    }

    /** The temporary file's name taken by a non-empty directory: no one, root included, can write it. */
    @Test
    void aFailedWriteAnswers500AndChangesNothing() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        Files.createDirectory(dir.resolve("state"));
        Path file = dir.resolve("state/state.json");
        String config = config(a, b, file.toString());
        RunningSluice sluice = start(config);
        assertEquals(200, post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"draining\"}").statusCode());
        byte[] acknowledged = Files.readAllBytes(file);
        Files.createDirectories(dir.resolve("state/state.json.tmp/blocker"));

        HttpResponse<String> disable = post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"disabled\"}");
        assertEquals(500, disable.statusCode(), disable.body());
        assertTrue(disable.body().contains("\"error\":\"the change was not applied: cannot write the state file " + file + ": "
                + file + ".tmp: Is a directory\""), disable.body());
        assertEquals("draining", state(sluice, "a"));
        HttpResponse<String> weight = post(sluice, "/api/v1/pools/app/members/b", "{\"weight\":5}");
        assertEquals(500, weight.statusCode(), weight.body());
        assertEquals(1, weight(sluice, "b"));
        HttpResponse<String> add = post(sluice, "/api/v1/pools/app/members", "{\"url\":\"" + c.url() + "\",\"route\":\"c\"}");
        assertEquals(500, add.statusCode(), add.body());
        HttpResponse<String> remove = post(sluice, "/api/v1/pools/app/members/b/remove", "{}");
        assertEquals(500, remove.statusCode(), remove.body());
        assertEquals(List.of("a", "b"), members(sluice));
        String pool = Http.get(Http.client(), admin(sluice, "/api/v1/pools/app"), "Authorization", "Bearer " + TOKEN).body();
        assertTrue(pool.contains("\"name\":\"a\",") && pool.contains("\"state\":\"draining\""), pool);
        assertEquals(Map.of("b", 6), spread(sluice, 6), "a still drains, c never joined, b still serves");
        assertArrayEquals(acknowledged, Files.readAllBytes(file), "the file still holds the last acknowledged change");

        // the disk is back: the same change goes through, and a restart finds it
        Files.delete(dir.resolve("state/state.json.tmp/blocker"));
        Files.delete(dir.resolve("state/state.json.tmp"));
        assertEquals(200, post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"disabled\"}").statusCode());
        sluice.close();
        closer.remove(sluice);
        assertEquals("disabled", state(start(config), "a"));
    }

    @Test
    void aDamagedStateFileStopsTheStartWithTheFileAndTheReason() throws Exception {
        Path file = dir.resolve("state.json");
        byte[] torn = "{\n  \"version\": 1,\n  \"pools\": {\n    \"app\": {\n      \"members\": {\n        \"a\": {\n          \"sta"
                .getBytes(StandardCharsets.UTF_8);
        Files.write(file, torn);
        String config = config(node("a"), node("b"), "state.json");
        StartupException refused = assertThrows(StartupException.class, () -> start(config));
        assertTrue(refused.getMessage().startsWith(file + ": not valid JSON (line 7, column "), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("move it aside to start without the run-time changes it holds"), refused.getMessage());
        assertArrayEquals(torn, Files.readAllBytes(file), "the damaged file is left for the operator, not overwritten");

        Path conf = dir.resolve("sluice.conf");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Sluice.execute(new String[] {"run", "-c", conf.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Sluice.START_FAILED, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("sluice: " + file + ": not valid JSON"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        code = Sluice.execute(new String[] {"check", "-c", conf.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Sluice.INVALID_CONFIG, code, "check finds what run would refuse");
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith(file + ": not valid JSON"), err.toString(StandardCharsets.UTF_8));

        Files.writeString(file, "{\"version\": 1, \"pools\": {\"app\": {\"members\": {\"a\": {\"state\": \"drained\"}}}}}");
        refused = assertThrows(StartupException.class, () -> start(config));
        assertTrue(refused.getMessage().startsWith(file + ": pools.app.members.a.state: \"drained\" is not active, draining, disabled or standby"),
                refused.getMessage());
    }

    @Test
    void aReloadOntoADamagedStateFileIsRefusedAndTheRunningStateStays() throws Exception {
        String config = config(node("a"), node("b"), "state.json");
        RunningSluice sluice = start(config);
        assertEquals(200, post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"draining\"}").statusCode());
        Files.writeString(dir.resolve("other.json"), "{\"version\": 1, \"pools\": {\"app\": {\"members\": {\"a\": {\"weight\": 0}}}}}");
        var outcome = sluice.reload(config.replace("state-file = \"state.json\"", "state-file = \"other.json\""));
        assertFalse(outcome.applied());
        assertTrue(outcome.summary().contains(dir.resolve("other.json") + ": pools.app.members.a.weight: 0 is not from 1 to 100"),
                outcome.summary());
        assertEquals("draining", state(sluice, "a"));
        assertEquals(200, post(sluice, "/api/v1/pools/app/members/b", "{\"weight\":2}").statusCode(), "the admin keeps its own file");
        assertTrue(Files.readString(dir.resolve("state.json")).contains("\"weight\": 2"));
    }

    @Test
    void aStateFileInTheFlatFormatOfEarlierVersionsIsReadAndRewrittenOnTheNextChange() throws Exception {
        Node c = node("c");
        Files.writeString(dir.resolve("state.json"), "{\"app|a|state\":\"draining\",\"app|b|weight\":3,\"app|c|added\":\"" + c.url() + " c 1\"}\n");
        RunningSluice sluice = start(config(node("a"), node("b"), "state.json"));
        assertEquals("draining", state(sluice, "a"));
        assertEquals(3, weight(sluice, "b"));
        assertEquals(List.of("a", "b", "c"), members(sluice));
        assertEquals(200, post(sluice, "/api/v1/pools/app/members/b", "{\"state\":\"standby\"}").statusCode());
        String rewritten = Files.readString(dir.resolve("state.json"));
        assertTrue(rewritten.startsWith("{\n  \"version\": 1,"), rewritten);
        assertEquals("""
                {"version":1,"changed":{"at":0,"through":"","by":"token"},"pools":{"app":{"members":{"a":{"state":"draining"},\
                "b":{"state":"standby","weight":3}},"added":{"c":{"url":"%s","route":"c","weight":1}}}}}""".formatted(c.url()),
                rewritten.replaceAll("\\s", "").replaceFirst("\"at\":\\d+", "\"at\":0"));
    }

    @Test
    void requestBodiesAreCheckedFieldByField() throws Exception {
        RunningSluice sluice = start(config(node("a"), node("b"), "state.json"));
        Map<String, String> refusals = Map.of(
                "{\"state\":\"draining\",\"state\":\"active\"}", "field \\\"state\\\" appears twice",
                "{\"sate\":\"draining\"}", "unknown field \\\"sate\\\" (known: state, weight)",
                "{\"weight\":\"3\"}", "field \\\"weight\\\" must be a whole number",
                "{\"state\":\"draining\"}{}", "text after the JSON object",
                "{\"state\":\"parked\"}", "state must be active, draining, disabled or standby, not \\\"parked\\\"");
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            HttpResponse<String> response = post(sluice, "/api/v1/pools/app/members/a", refusal.getKey());
            assertEquals(400, response.statusCode(), refusal.getKey());
            assertTrue(response.body().contains(refusal.getValue()), response.body());
        }
        HttpResponse<String> big = post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"" + "x".repeat(5000) + "\"}");
        assertEquals(413, big.statusCode(), big.body());
        HttpResponse<String> addUnknown = post(sluice, "/api/v1/pools/app/members", "{\"url\":\"http://127.0.0.1:1\",\"wieght\":2}");
        assertEquals(400, addUnknown.statusCode());
        assertTrue(addUnknown.body().contains("unknown field \\\"wieght\\\" (known: name, route, url, weight)"), addUnknown.body());
        HttpResponse<String> removeWithFields = post(sluice, "/api/v1/pools/app/members/b/remove", "{\"force\":true}");
        assertEquals(400, removeWithFields.statusCode());
        assertEquals("active", state(sluice, "a"));
        assertEquals(List.of("a", "b"), members(sluice));
        assertFalse(Files.exists(dir.resolve("state.json")), "nothing refused was written");
    }
}
