package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.auth.PasswordHash;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener over real HTTP: authentication, CSRF defences, drain through the API, persistence. */
class AdminIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();
    static final String HASH = PasswordHash.hash("correct horse".toCharArray());
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    /** The log lines of the run, operational and access, to read the audit lines of run-time changes and the access lines. */
    final ListAppender<ILoggingEvent> audit = new ListAppender<>();

    @org.junit.jupiter.api.BeforeEach
    void captureLogs() {
        audit.start();
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(audit);
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(io.sluice.log.AccessLogHandler.LOGGER_NAME)).addAppender(audit);
    }

    @org.junit.jupiter.api.AfterEach
    void stopCapturing() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(audit);
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(io.sluice.log.AccessLogHandler.LOGGER_NAME)).detachAppender(audit);
    }

    private RunningSluice start(Node a, Node b, String adminExtra) throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        RunningSluice sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app {
                    sticky.recent.window = 3s
                    members = [
                    { url = "%s", route = a }
                    { url = "%s", route = b }
                  ] } }
                  admin {
                    bind = "127.0.0.1:0"
                    users = [ { name = ops, password = "%s" } ]
                    token-file = token
                    state-file = state.json
                    %s
                  }
                }
                """.formatted(a.url(), b.url(), HASH, adminExtra));
        closer.add(sluice);
        return sluice;
    }

    private Node node(String name) {
        Node node = Node.start(name, Node.Sessions.NONE);
        closer.add(node);
        return node;
    }

    private static URI admin(RunningSluice sluice, String path) {
        return URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + path);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> post(RunningSluice sluice, String path, String json, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(admin(sluice, path)).POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return Http.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void unauthenticatedAndWrongCredentialsAreRefused() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        HttpClient client = Http.client();
        assertEquals(401, Http.get(client, admin(sluice, "/api/v1/pools")).statusCode());
        HttpResponse<String> wrong = Http.get(client, admin(sluice, "/api/v1/pools"), "Authorization", basic("ops", "wrong"));
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
        assertEquals(401, Http.get(client, admin(sluice, "/api/v1/pools"), "Authorization", "Bearer not-the-token-at-all").statusCode());
        assertEquals(401, post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"draining\"}", "Content-Type", "application/json").statusCode());
        HttpResponse<String> ok = Http.get(client, admin(sluice, "/api/v1/pools"), "Authorization", basic("ops", "correct horse"));
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("\"name\":\"app\""), ok.body());
        assertEquals(200, Http.get(client, admin(sluice, "/api/v1/pools"), "Authorization", "Bearer " + TOKEN).statusCode());
    }

    @Test
    void openReadLetsReadsInButNeverChanges() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "open-read = on");
        assertEquals(200, Http.get(Http.client(), admin(sluice, "/api/v1/pools")).statusCode());
        assertEquals(401, post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"draining\"}", "Content-Type", "application/json").statusCode());
    }

    @Test
    void crossSiteRequestsAreRefused() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        String auth = basic("ops", "correct horse");
        HttpResponse<String> foreign = post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"draining\"}",
                "Content-Type", "application/json", "Authorization", auth, "Origin", "http://evil.example");
        assertEquals(403, foreign.statusCode());
        HttpResponse<String> form = post(sluice, "/api/v1/pools/app/members/a", "state=draining",
                "Content-Type", "application/x-www-form-urlencoded", "Authorization", auth);
        assertEquals(415, form.statusCode(), "a form post (what a cross-site page can send without preflight) changes nothing");
        assertEquals("active", sluice.server().generation().pools().get("app").member("a").state().configName());
    }

    @Test
    void drainThroughTheApiChangesRoutingAndSurvivesAReloadAndARestart() throws Exception {
        Node a = node("a");
        Node b = node("b");
        RunningSluice sluice = start(a, b, "");
        HttpResponse<String> drained = post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"draining\"}",
                "Content-Type", "application/json", "Authorization", "Bearer " + TOKEN);
        assertEquals(200, drained.statusCode(), drained.body());
        assertTrue(drained.body().contains("\"state\":\"draining\""), drained.body());
        assertTrue(drained.body().contains("\"changedAtRunTime\":true"), drained.body());
        HttpClient client = Http.client();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            counts.merge(Http.get(client, sluice.uri("http", "/")).body(), 1, Integer::sum);
            assertEquals("a", Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=S.a").body(), "its sessions stay");
        }
        assertEquals(Map.of("b", 10), counts, "a draining member takes no new sessions");
        // a reload keeps the run-time state
        assertTrue(sluice.reload(Files.readString(sluice.file()).replace("route = b }", "route = b, weight = 2 }")).applied());
        assertEquals("draining", sluice.server().generation().pools().get("app").member("a").state().configName());
        // and so does a restart, from the state file
        String config = Files.readString(sluice.file());
        sluice.close();
        closer.remove(sluice);
        RunningSluice restarted = RunningSluice.start(dir, config);
        closer.add(restarted);
        assertEquals("draining", restarted.server().generation().pools().get("app").member("a").state().configName());
        // back to active: the run-time change is gone from the state file
        assertEquals(200, post(restarted, "/api/v1/pools/app/members/a", "{\"state\":\"active\"}",
                "Content-Type", "application/json", "Authorization", "Bearer " + TOKEN).statusCode());
        String file = Files.readString(dir.resolve("state.json")).replaceAll("\\s", "");
        assertTrue(file.matches("\\{\"version\":1,\"changed\":\\{\"at\":\\d+,\"through\":\"\",\"by\":\"token\"},\"pools\":\\{}}"), file);
    }

    @Test
    void weightChangeAppliesAtOnce() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        assertEquals(200, post(sluice, "/api/v1/pools/app/members/a", "{\"weight\":3}",
                "Content-Type", "application/json", "Authorization", "Bearer " + TOKEN).statusCode());
        Map<String, Integer> counts = new HashMap<>();
        HttpClient client = Http.client();
        for (int i = 0; i < 40; i++) {
            counts.merge(Http.get(client, sluice.uri("http", "/")).body(), 1, Integer::sum);
        }
        assertEquals(Map.of("a", 30, "b", 10), counts);
        HttpResponse<String> bad = post(sluice, "/api/v1/pools/app/members/a", "{\"weight\":0}",
                "Content-Type", "application/json", "Authorization", "Bearer " + TOKEN);
        assertEquals(400, bad.statusCode());
        assertEquals(404, post(sluice, "/api/v1/pools/app/members/zz", "{\"state\":\"disabled\"}",
                "Content-Type", "application/json", "Authorization", "Bearer " + TOKEN).statusCode());
    }

    @Test
    void livenessAndReadiness() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "open-read = on");
        assertEquals(200, Http.get(Http.client(), admin(sluice, "/api/v1/health/live")).statusCode());
        assertEquals(200, Http.get(Http.client(), admin(sluice, "/api/v1/health/ready")).statusCode());
    }

    /** Readiness fails as soon as a stop begins, while requests in flight still drain (a VRRP peer takes over). */
    @Test
    void readinessFailsOnceAStopBegins() throws Exception {
        Node slowA = closer.add(Node.start("a", Node.Sessions.NONE, 1500));
        Node slowB = closer.add(Node.start("b", Node.Sessions.NONE, 1500));
        RunningSluice sluice = start(slowA, slowB, "open-read = on");
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(
                HttpRequest.newBuilder(sluice.uri("http", "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        java.util.concurrent.CompletableFuture<Void> stopping = java.util.concurrent.CompletableFuture.runAsync(sluice.server()::close);
        HttpResponse<String> ready = null;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            ready = Http.get(Http.client(), admin(sluice, "/api/v1/health/ready"));
            if (ready.statusCode() != 200) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(503, ready.statusCode(), "readiness while stopping");
        assertTrue(ready.body().contains("\"stopping\""), ready.body());
        assertEquals(200, Http.get(Http.client(), admin(sluice, "/api/v1/health/live")).statusCode(), "still live while draining");
        assertTrue(!stopping.isDone(), "the stop waits for the request in flight");
        assertEquals(200, inFlight.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode());
        stopping.get(20, java.util.concurrent.TimeUnit.SECONDS);
        closer.remove(sluice);
    }

    @Test
    void pageFormsNeedAFreshNonceAndTheirOwnOrigin() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        String auth = basic("ops", "correct horse");
        String page = Http.get(Http.client(), admin(sluice, "/"), "Authorization", auth).body();
        java.util.regex.Matcher nonce = java.util.regex.Pattern.compile("name=\"nonce\" value=\"([0-9a-f]{32})\"").matcher(page);
        assertTrue(nonce.find(), "the page carries nonces");
        String form = "nonce=" + nonce.group(1) + "&pool=app&member=a&state=draining";
        String url = "application/x-www-form-urlencoded";
        assertEquals(403, post(sluice, "/manager", "nonce=00000000000000000000000000000000&pool=app&member=a&state=draining",
                "Content-Type", url, "Authorization", auth).statusCode(), "an invented nonce");
        assertEquals(403, post(sluice, "/manager", form, "Content-Type", url, "Authorization", auth, "Origin", "http://evil.example").statusCode(),
                "a foreign origin");
        assertEquals(303, post(sluice, "/manager", form, "Content-Type", url, "Authorization", auth).statusCode(), "the real form");
        assertEquals(403, post(sluice, "/manager", form, "Content-Type", url, "Authorization", auth).statusCode(), "the same nonce again");
        assertEquals("draining", sluice.server().generation().pools().get("app").member("a").state().configName());
    }

    @Test
    void ctlDrainWaitReturnsOnceTheSessionsAreGone() throws Exception {
        Node a = node("a");
        Node b = node("b");
        RunningSluice sluice = start(a, b, "");
        // the admin in the file is on port 0: point ctl at the real port
        String config = Files.readString(sluice.file()).replaceFirst("(admin \\{\\s*bind = )\"127\\.0\\.0\\.1:0\"",
                "$1\"127.0.0.1:" + sluice.server().adminAddress().getPort() + "\"");
        Path ctlConfig = dir.resolve("ctl.conf");
        Files.writeString(ctlConfig, config.replace("{ name = http, bind = \"127.0.0.1:0\" }", "{ name = http, bind = \"127.0.0.1:1\" }"));
        HttpClient client = Http.client();
        Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=S.a"); // a session on a, just now
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = io.sluice.Sluice.execute(new String[] {"ctl", "-c", ctlConfig.toString(), "drain", "app", "a", "--wait", "--idle", "2",
            "--timeout", "20"}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
        assertTrue(printed.contains("drained: 0 in flight"), printed);
        assertTrue(System.nanoTime() - start >= 1_500_000_000L, "waited for the session to go quiet");
        assertEquals("draining", sluice.server().generation().pools().get("app").member("a").state().configName());
        // a session that keeps coming keeps the drain waiting: --timeout ends it with exit 1 and what remains
        Thread keepAlive = new Thread(() -> {
            for (int i = 0; i < 40; i++) {
                try {
                    Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=S.a");
                    Thread.sleep(100);
                } catch (Exception e) {
                    return;
                }
            }
        });
        keepAlive.start();
        out.reset();
        code = io.sluice.Sluice.execute(new String[] {"ctl", "-c", ctlConfig.toString(), "drain", "app", "a", "--wait", "--idle", "2",
            "--timeout", "2"}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        keepAlive.join();
        assertEquals(1, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("timed out after 2 s; remaining:"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void healthProbesNeedNoCredentialsAndNothingElseIsOpened() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        HttpClient client = Http.client();
        HttpResponse<String> live = Http.get(client, admin(sluice, "/api/v1/health/live"));
        assertEquals(200, live.statusCode(), live.body());
        assertEquals(200, Http.get(client, admin(sluice, "/api/v1/health/ready")).statusCode());
        for (String closed : List.of("/api/v1/pools", "/metrics", "/", "/api/v1/health/live/x", "/api/v1/health")) {
            assertEquals(401, Http.get(client, admin(sluice, closed)).statusCode(), closed);
        }
        assertEquals(401, post(sluice, "/api/v1/health/ready", "{}", "Content-Type", "application/json").statusCode());
    }

    @Test
    void ctlAddsAndRemovesMembersAndSaysWhenNothingAnswers() throws Exception {
        Node c = node("c");
        RunningSluice sluice = start(node("a"), node("b"), "");
        String config = Files.readString(sluice.file()).replaceFirst("(admin \\{\\s*bind = )\"127\\.0\\.0\\.1:0\"",
                "$1\"127.0.0.1:" + sluice.server().adminAddress().getPort() + "\"");
        Path ctlConfig = dir.resolve("ctl.conf");
        Files.writeString(ctlConfig, config.replace("{ name = http, bind = \"127.0.0.1:0\" }", "{ name = http, bind = \"127.0.0.1:1\" }"));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.util.function.Function<String[], Integer> ctl = args -> {
            String[] full = new String[args.length + 3];
            full[0] = "ctl";
            full[1] = "-c";
            full[2] = ctlConfig.toString();
            System.arraycopy(args, 0, full, 3, args.length);
            return io.sluice.Sluice.execute(full, new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                    new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        };
        assertEquals(0, ctl.apply(new String[] {"add", "app", c.url(), "--route", "c", "--name", "c"}), err.toString(StandardCharsets.UTF_8));
        assertEquals("c", Http.get(Http.client(), sluice.uri("http", "/"), "Cookie", "JSESSIONID=S.c").body());
        assertEquals(0, ctl.apply(new String[] {"remove", "app", "a"}), err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("b", "c"), sluice.server().generation().pools().get("app").members().stream().map(m -> m.name()).toList());
        out.reset();
        assertEquals(0, ctl.apply(new String[] {"pools"}));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\n  \"pools\" : ["), "pretty-printed: " + out);
        out.reset();
        assertEquals(0, ctl.apply(new String[] {"pools", "--json"}));
        assertTrue(out.toString(StandardCharsets.UTF_8).strip().matches("\\{\"pools\":\\[.*\"name\":\"b\".*"), "one line for scripts: " + out);
        // the same file once nothing listens on the admin port
        int port = sluice.server().adminAddress().getPort();
        sluice.close();
        closer.remove(sluice);
        err.reset();
        assertEquals(1, ctl.apply(new String[] {"pools"}));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nothing answers at http://127.0.0.1:" + port), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void drainWaitCountsQuietTimeFromTheStartOfTheDrain() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        String config = Files.readString(sluice.file()).replaceFirst("(admin \\{\\s*bind = )\"127\\.0\\.0\\.1:0\"",
                "$1\"127.0.0.1:" + sluice.server().adminAddress().getPort() + "\"");
        Path ctlConfig = dir.resolve("ctl.conf");
        Files.writeString(ctlConfig, config.replace("{ name = http, bind = \"127.0.0.1:0\" }", "{ name = http, bind = \"127.0.0.1:1\" }"));
        Http.get(Http.client(), sluice.uri("http", "/"), "Cookie", "JSESSIONID=S.a"); // a's session, then a pause longer than --idle
        Thread.sleep(2500);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = io.sluice.Sluice.execute(new String[] {"ctl", "-c", ctlConfig.toString(), "drain", "app", "a", "--wait", "--idle", "2",
            "--timeout", "20"}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed);
        assertTrue(System.nanoTime() - start >= 1_900_000_000L, "the session may still come back: quiet time counts from the drain");
        assertTrue(printed.contains("drained: 0 in flight, 0 sessions seen in the last 3 s"), printed);
    }

    /**
     * Route affinity: Sluice does not know the sessions, only sees them come back. One that
     * arrives after the drain began is counted in the member's recent window, and the drain
     * is not reported done until the window has passed without it (--idle alone would have
     * let it go after 1 s).
     */
    @Test
    void drainWaitWaitsForARouteSessionThatArrivesAfterTheDrainBegan() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        Path ctlConfig = ctlConfig(sluice);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int[] code = new int[1];
        Thread drain = new Thread(() -> code[0] = io.sluice.Sluice.execute(new String[] {"ctl", "-c", ctlConfig.toString(), "drain", "app", "a",
            "--wait", "--idle", "1", "--timeout", "20"}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        drain.start();
        io.sluice.pool.Member a = sluice.server().generation().pools().get("app").member("a");
        while (a.secondsQuietSinceDrain() < 0) {
            Thread.sleep(20);
        }
        long sessionArrived = System.nanoTime();
        assertEquals("a", Http.get(Http.client(), sluice.uri("http", "/"), "Cookie", "JSESSIONID=late.a").body(), "a draining member keeps its sessions");
        String pool = Http.get(Http.client(), admin(sluice, "/api/v1/pools/app"), "Authorization", "Bearer " + TOKEN).body();
        assertTrue(pool.contains("\"learnedSessions\":-1") && pool.contains("\"sessionWindowSeconds\":3"), pool);
        assertTrue(pool.strip().matches(".*\"name\":\"a\".*?\"recentSessions\":1,.*"), "the late session is counted on a: " + pool);
        drain.join(30_000);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code[0], printed);
        assertTrue(printed.contains("waiting: 0 in flight, 1 session seen in the last 3 s\n"), printed);
        assertTrue(printed.contains("drained: 0 in flight, 0 sessions seen in the last 3 s, sessions quiet for "), printed);
        assertTrue(System.nanoTime() - sessionArrived >= 2_500_000_000L, "held until the session left the window: " + printed);
        assertTrue(audit.list.stream().map(ILoggingEvent::getFormattedMessage).anyMatch(line -> line.contains(" member=a sticky=hit:route ")),
                "the access log names the mode that found the session (docs/operations.md, Logs): " + audit.list);
    }

    /** Every way sluice ctl can be told no, word for word: the message names the address, file or key and what to do. */
    @Test
    void ctlErrorsSayWhatIsWrongAndWhatToDo() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        Path ctlConfig = ctlConfig(sluice);
        int port = sluice.server().adminAddress().getPort();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.util.function.BiFunction<Path, String[], Integer> ctl = (file, args) -> {
            String[] full = new String[args.length + 3];
            full[0] = "ctl";
            full[1] = "-c";
            full[2] = file.toString();
            System.arraycopy(args, 0, full, 3, args.length);
            err.reset();
            return io.sluice.Sluice.execute(full, new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        };
        java.util.function.Supplier<String> printed = () -> err.toString(StandardCharsets.UTF_8);
        assertEquals(1, ctl.apply(ctlConfig, new String[] {"drain", "apps", "a"}));
        assertEquals("sluice ctl: no pool \"apps\"; the pools are app (sluice ctl pools lists them) (HTTP 404 from POST /api/v1/pools/apps/members/a)\n",
                printed.get());
        assertEquals(1, ctl.apply(ctlConfig, new String[] {"disable", "app", "c"}));
        assertEquals("sluice ctl: no member \"c\" in pool app; its members are a, b (HTTP 404 from POST /api/v1/pools/app/members/c)\n",
                printed.get());
        assertEquals(2, ctl.apply(ctlConfig, new String[] {"weight", "app", "a", "heavy"}));
        assertEquals("sluice ctl: weight \"heavy\" is not a whole number: give 1 to 100, e.g. weight POOL MEMBER 5\n", printed.get());
        assertEquals(1, ctl.apply(ctlConfig, new String[] {"weight", "app", "a", "0"}));
        assertEquals("sluice ctl: weight must be a whole number from 1 to 100, not 0 (HTTP 400 from POST /api/v1/pools/app/members/a)\n",
                printed.get());
        assertEquals(2, ctl.apply(ctlConfig, new String[] {"drain", "app", "a", "--wait", "--timeout", "soon"}));
        assertEquals("sluice ctl: --timeout \"soon\" is not a number of seconds: give e.g. --timeout 300s or --timeout 300\n", printed.get());
        assertEquals(1, ctl.apply(ctlConfig, new String[] {"add", "app", "10.0.0.13:9763"}));
        assertEquals("sluice ctl: url \"10.0.0.13:9763\" is not an origin: give http:// or https://, a host and a port, no path,"
                + " e.g. http://10.0.0.13:9763 (HTTP 400 from POST /api/v1/pools/app/members)\n", printed.get());
        Path wrongToken = dir.resolve("wrong-token");
        Files.writeString(wrongToken, "fedcba9876543210fedcba9876543210\n");
        Path wrongConfig = dir.resolve("wrong.conf");
        Files.writeString(wrongConfig, Files.readString(ctlConfig).replace("token-file = token", "token-file = wrong-token"));
        assertEquals(1, ctl.apply(wrongConfig, new String[] {"pools"}));
        assertEquals("sluice ctl: the admin at http://127.0.0.1:" + port + " refused the token in " + wrongToken + " (admin.token-file in "
                + wrongConfig + "): the running sluice has another one; if the file was changed, reload sluice (sluice reload -c "
                + wrongConfig + ")\n", printed.get());
        Path noToken = dir.resolve("no-token.conf");
        Files.writeString(noToken, Files.readString(ctlConfig).replace("token-file = token", ""));
        assertEquals(1, ctl.apply(noToken, new String[] {"pools"}));
        assertEquals("sluice ctl: the admin at http://127.0.0.1:" + port + " wants credentials, and " + noToken + " sets no admin.token-file:"
                + " set it to a file holding a token (sluice ctl sends it) and reload sluice\n", printed.get());
        sluice.close();
        closer.remove(sluice);
        assertEquals(1, ctl.apply(ctlConfig, new String[] {"pools"}));
        assertEquals("sluice ctl: nothing answers at http://127.0.0.1:" + port + " (admin.bind in " + ctlConfig + "): is sluice running,"
                + " and is this the file it runs with?\n", printed.get());
    }

    /** The API's refusals, word for word: each names what was wrong and what to send instead. */
    @Test
    void apiErrorsSayWhatIsWrongAndWhatToDo() throws Exception {
        RunningSluice sluice = start(node("a"), node("b"), "");
        String auth = "Bearer " + TOKEN;
        String json = "application/json";
        assertEquals("{\"error\":\"authentication required: send the user and password of an admin.users entry (Basic) or the token in"
                + " admin.token-file (Authorization: Bearer ...)\"}\n", Http.get(Http.client(), admin(sluice, "/api/v1/pools")).body());
        String host = "127.0.0.1:" + sluice.server().adminAddress().getPort();
        assertEquals("{\"error\":\"cross-origin request refused: a change must come from this admin's own page (Origin http://" + host
                + ") or from a client that sends no Origin (sluice ctl, curl)\"}\n", post(sluice, "/api/v1/pools/app/members/a",
                "{\"state\":\"draining\"}", "Content-Type", json, "Authorization", auth, "Origin", "http://evil.example").body());
        assertEquals("{\"error\":\"no pool \\\"apps\\\"; the pools are app (sluice ctl pools lists them)\"}\n",
                Http.get(Http.client(), admin(sluice, "/api/v1/pools/apps"), "Authorization", auth).body());
        assertEquals("{\"error\":\"nothing to change: send state and/or weight, e.g. {\\\"state\\\":\\\"draining\\\"} or {\\\"weight\\\":5}\"}\n",
                post(sluice, "/api/v1/pools/app/members/a", "{}", "Content-Type", json, "Authorization", auth).body());
        assertEquals("{\"error\":\"state must be active, draining, disabled or standby, not \\\"drained\\\"\"}\n",
                post(sluice, "/api/v1/pools/app/members/a", "{\"state\":\"drained\"}", "Content-Type", json, "Authorization", auth).body());
        assertEquals("{\"error\":\"route \\\"node 3\\\" is not a jvmRoute: use letters, digits and - _ . (the node's jvmRoute)\"}\n",
                post(sluice, "/api/v1/pools/app/members", "{\"url\":\"http://127.0.0.1:1\",\"route\":\"node 3\"}", "Content-Type", json,
                        "Authorization", auth).body());
        post(sluice, "/api/v1/pools/app/members/a/remove", "{}", "Content-Type", json, "Authorization", auth);
        HttpResponse<String> last = post(sluice, "/api/v1/pools/app/members/b/remove", "{}", "Content-Type", json, "Authorization", auth);
        assertEquals(409, last.statusCode());
        assertEquals("{\"error\":\"pool app keeps at least one member, and b is its last: drain or disable it instead, or add its"
                + " replacement first\"}\n", last.body());
    }

    private Path ctlConfig(RunningSluice sluice) throws java.io.IOException {
        // the admin in the file is on port 0: point ctl at the real port
        String config = Files.readString(sluice.file()).replaceFirst("(admin \\{\\s*bind = )\"127\\.0\\.0\\.1:0\"",
                "$1\"127.0.0.1:" + sluice.server().adminAddress().getPort() + "\"");
        Path ctlConfig = dir.resolve("ctl.conf");
        Files.writeString(ctlConfig, config.replace("{ name = http, bind = \"127.0.0.1:0\" }", "{ name = http, bind = \"127.0.0.1:1\" }"));
        return ctlConfig;
    }

    @Test
    void explainSaysWhereARequestWouldGoAndWhy() throws Exception {
        Node a = node("a");
        Node b = node("b");
        RunningSluice sluice = start(a, b, "");
        String auth = "Bearer " + TOKEN;
        java.util.function.Function<String, String> explain = query -> {
            try {
                return Http.get(Http.client(), admin(sluice, "/api/v1/explain?" + query), "Authorization", auth).body();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String sticky = explain.apply("url=" + java.net.URLEncoder.encode("https://sso.example.com/app?x=1", StandardCharsets.UTF_8)
                + "&cookie=" + java.net.URLEncoder.encode("JSESSIONID=abc.b", StandardCharsets.UTF_8));
        assertTrue(sticky.contains("\"route\":\"/\"") && sticky.contains("\"forwardedPath\":\"/app?x=1\""), sticky);
        assertTrue(sticky.contains("\"member\":\"b\"") && sticky.contains("sticky: the session belongs to b (route)"), sticky);
        String balanced = explain.apply("url=/x");
        assertTrue(balanced.contains("balance: no session") && balanced.contains("\"method\":\"round-robin\""), balanced);
        post(sluice, "/api/v1/pools/app/members/b", "{\"state\":\"disabled\"}", "Content-Type", "application/json", "Authorization", auth);
        String failover = explain.apply("url=/x&cookie=JSESSIONID%3Dabc.b");
        assertTrue(failover.contains("failover: the session belongs to b") && failover.contains("\"member\":\"a\""), failover);
        String traversal = explain.apply("url=" + java.net.URLEncoder.encode("/a/%2e%2e/b", StandardCharsets.UTF_8));
        assertTrue(traversal.contains("\"status\":400"), traversal);
        String config = Http.get(Http.client(), admin(sluice, "/api/v1/config"), "Authorization", auth).body();
        assertTrue(config.contains("\"users\":[\"ops\"]") && !config.contains("pbkdf2") && !config.contains(TOKEN), config);
    }

    @Test
    void membersAddedAndRemovedAtRunTimeServeAtOnceAndSurviveARestart() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        RunningSluice sluice = start(a, b, "");
        String auth = "Bearer " + TOKEN;
        HttpResponse<String> added = post(sluice, "/api/v1/pools/app/members",
                "{\"url\":\"" + c.url() + "\",\"route\":\"c\"}", "Content-Type", "application/json", "Authorization", auth);
        assertEquals(200, added.statusCode(), added.body());
        assertTrue(added.body().contains("\"addedAtRunTime\":true,\"changedAtRunTime\":true"), added.body());
        assertTrue(audit.list.stream().map(ILoggingEvent::getFormattedMessage).anyMatch(line -> line.equals("admin token: pool app member c"
                + " added at run time (" + c.url() + ", route c, weight 1); the pools were rebuilt, the file was not read")), audit.list.toString());
        assertEquals("c", Http.get(Http.client(), sluice.uri("http", "/"), "Cookie", "JSESSIONID=S.c").body());
        assertEquals(409, post(sluice, "/api/v1/pools/app/members", "{\"url\":\"" + c.url() + "\"}",
                "Content-Type", "application/json", "Authorization", auth).statusCode(), "the same node twice");
        HttpResponse<String> removed = post(sluice, "/api/v1/pools/app/members/a/remove", "{}",
                "Content-Type", "application/json", "Authorization", auth);
        assertEquals(200, removed.statusCode(), removed.body());
        assertTrue(audit.list.stream().map(ILoggingEvent::getFormattedMessage).anyMatch(line -> line.equals("admin token: pool app member a ("
                + a.url() + ") removed at run time; the pools were rebuilt, the file was not read")), audit.list.toString());
        assertTrue(audit.list.stream().map(ILoggingEvent::getFormattedMessage).noneMatch(line -> line.startsWith("reloaded")),
                "the file was not read: " + audit.list);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            counts.merge(Http.get(Http.client(), sluice.uri("http", "/")).body(), 1, Integer::sum);
        }
        assertEquals(Map.of("b", 6, "c", 6), counts);
        String config = Files.readString(sluice.file());
        sluice.close();
        closer.remove(sluice);
        RunningSluice restarted = RunningSluice.start(dir, config);
        closer.add(restarted);
        assertEquals(List.of("b", "c"), restarted.server().generation().pools().get("app").members().stream().map(m -> m.name()).toList());
    }

    @Test
    void adminOverTlsWorksForClientsAndCtl() throws Exception {
        io.sluice.testing.TestCertificates.PemFiles cert = io.sluice.testing.TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        RunningSluice sluice = start(node("a"), node("b"), "tls { engine = jdk, " + cert.hocon() + " }");
        URI pools = URI.create("https://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/api/v1/pools");
        HttpResponse<String> response = Http.get(Http.client(), pools, "Authorization", "Bearer " + TOKEN);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("TLSv1.3", response.sslSession().orElseThrow().getProtocol());
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Http.get(Http.client(),
                URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/api/v1/pools")), "plain http is not served");
        String config = Files.readString(sluice.file()).replaceFirst("(admin \\{\\s*bind = )\"127\\.0\\.0\\.1:0\"",
                "$1\"127.0.0.1:" + sluice.server().adminAddress().getPort() + "\"")
                .replace("{ name = http, bind = \"127.0.0.1:0\" }", "{ name = http, bind = \"127.0.0.1:1\" }");
        Path ctlConfig = dir.resolve("ctl-tls.conf");
        Files.writeString(ctlConfig, config);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.sluice.Sluice.execute(new String[] {"ctl", "-c", ctlConfig.toString(), "disable", "app", "b"},
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertEquals("disabled", sluice.server().generation().pools().get("app").member("b").state().configName());
    }
}
