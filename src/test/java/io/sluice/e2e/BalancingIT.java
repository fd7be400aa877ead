package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Balancing, member states, affinity modes, failover re-stamping and health, against real nodes and clients. */
class BalancingIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private Node node(String name, Node.Sessions sessions) {
        Node node = Node.start(name, sessions);
        closer.add(node);
        return node;
    }

    private RunningSluice sluice(String pool, String... members) throws Exception {
        RunningSluice sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  access-log.enabled = off
                  pools { app { members = [ %s ]
                    %s } }
                }
                """.formatted(String.join(",\n", members), pool));
        closer.add(sluice);
        return sluice;
    }

    private static String member(Node node, String extra) {
        return "{ url = \"" + node.url() + "\", route = " + node.name() + (extra.isEmpty() ? "" : ", " + extra) + " }";
    }

    private static HttpClient withCookies() {
        return Http.builder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
    }

    private static String served(HttpClient client, RunningSluice sluice) throws Exception {
        HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"));
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static Member member(RunningSluice sluice, String name) {
        Pool pool = sluice.server().generation().pools().get("app");
        return pool.members().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "gave up waiting for: " + what);
            Thread.sleep(20);
        }
    }

    @ParameterizedTest(name = "method = {0}")
    @ValueSource(strings = {"round-robin", "least-busy"})
    void weightsAreHonouredOverTenThousandRequests(String method) throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        Node c = node("c", Node.Sessions.NONE);
        RunningSluice sluice = sluice("method = " + method, member(a, "weight = 1"), member(b, "weight = 2"), member(c, "weight = 5"));
        HttpClient client = Http.client();
        Map<String, Integer> counts = new HashMap<>();
        int total = 10_000;
        for (int i = 0; i < total; i++) {
            counts.merge(served(client, sluice), 1, Integer::sum);
        }
        System.out.println("BalancingIT " + method + " 1:2:5 over " + total + " requests: " + counts);
        assertShare(counts, "a", total / 8.0);
        assertShare(counts, "b", total * 2 / 8.0);
        assertShare(counts, "c", total * 5 / 8.0);
    }

    private static void assertShare(Map<String, Integer> counts, String name, double expected) {
        int actual = counts.getOrDefault(name, 0);
        assertTrue(Math.abs(actual - expected) <= expected * 0.05, name + ": " + actual + " of expected " + expected + " in " + counts);
    }

    @Test
    void leastBusyPrefersTheIdleMemberWhenOneIsSlow() throws Exception {
        Node slow = Node.start("slow", Node.Sessions.NONE, 300);
        closer.add(slow);
        Node fast = node("fast", Node.Sessions.NONE);
        RunningSluice sluice = sluice("method = least-busy", member(slow, ""), member(fast, ""));
        HttpClient client = Http.client();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                results.add(threads.submit(() -> served(client, sluice)));
            }
            int fastCount = 0;
            for (Future<String> result : results) {
                fastCount += result.get(60, TimeUnit.SECONDS).equals("fast") ? 1 : 0;
            }
            assertTrue(fastCount >= 64, "the fast member served " + fastCount + " of 80");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void learnKeepsAPlainSessionOnItsNode() throws Exception {
        Node a = node("a", Node.Sessions.PLAIN);
        Node b = node("b", Node.Sessions.PLAIN);
        RunningSluice sluice = sluice("sticky.modes = [learn]", member(a, ""), member(b, ""));
        HttpClient client = withCookies();
        String first = served(client, sluice);
        for (int i = 0; i < 20; i++) {
            assertEquals(first, served(client, sluice));
        }
        assertTrue(sluice.server().generation().pools().get("app").learnedSessions() >= 1);
    }

    @Test
    void insertSticksWithoutAnyBackendCookieAndIsSetOnlyWhenItChanges() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("sticky.modes = [insert]", member(a, ""), member(b, ""));
        HttpClient client = withCookies();
        HttpResponse<String> first = Http.get(client, sluice.uri("http", "/"));
        String setCookie = first.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(setCookie.matches("SLUICEID=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=Lax"), setCookie);
        assertFalse(setCookie.contains("127.0.0.1") || setCookie.contains(String.valueOf(a.port())), "the cookie must not reveal the member");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> next = Http.get(client, sluice.uri("http", "/"));
            assertEquals(first.body(), next.body());
            assertTrue(next.headers().allValues("Set-Cookie").isEmpty(), "re-issued: " + next.headers().allValues("Set-Cookie"));
        }
    }

    @ParameterizedTest(name = "affinity = {0}")
    @ValueSource(strings = {"route", "learn", "insert"})
    void failoverRestampsSoTheSessionDoesNotFlapBack(String mode) throws Exception {
        Node.Sessions sessions = switch (mode) {
            case "route" -> Node.Sessions.REPLICATED_WITH_ROUTE;
            case "learn" -> Node.Sessions.PLAIN;
            default -> Node.Sessions.NONE;
        };
        Node a = node("a", sessions);
        Node b = node("b", sessions);
        Node c = node("c", sessions);
        RunningSluice sluice = sluice("sticky.modes = [" + mode + "], connect-timeout = 500ms, problem-retry = 1s",
                member(a, ""), member(b, ""), member(c, ""));
        CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        HttpClient client = Http.builder().version(HttpClient.Version.HTTP_1_1).cookieHandler(jar).build();
        int logoutsBefore = Node.logouts();
        String original = served(client, sluice);
        String sessionBefore = jar.getCookieStore().getCookies().toString();
        Node stuck = List.of(a, b, c).stream().filter(n -> n.name().equals(original)).findFirst().orElseThrow();
        stuck.stop();
        String replacement = served(client, sluice);
        assertFalse(replacement.equals(original));
        for (int i = 0; i < 20; i++) {
            assertEquals(replacement, served(client, sluice), "after the failover");
        }
        stuck.restart();
        await(original + " back in rotation", () -> member(sluice, original).isUp());
        for (int i = 0; i < 20; i++) {
            assertEquals(replacement, served(client, sluice), "after " + original + " came back");
        }
        if (mode.equals("route")) {
            // the replicated session kept its id: Sluice moved it without renaming it, nobody was logged out
            assertEquals(sessionBefore, jar.getCookieStore().getCookies().toString());
            assertEquals(logoutsBefore, Node.logouts());
        }
    }

    @Test
    void drainingKeepsItsSessionsAndTakesNoNewOnes() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("", member(a, "state = draining"), member(b, ""));
        HttpClient client = Http.client();
        for (int i = 0; i < 10; i++) {
            assertEquals("b", served(client, sluice));
            assertEquals("a", Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=X.a").body());
        }
    }

    @Test
    void disabledMemberGetsNothingAndItsSessionsFailOver() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("", member(a, "state = disabled"), member(b, ""));
        HttpClient client = Http.client();
        for (int i = 0; i < 5; i++) {
            assertEquals("b", Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=X.a").body());
        }
        assertEquals(0, a.served());
    }

    @Test
    void standbyServesOnlyWhenEveryActiveMemberIsDown() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node s = node("s", Node.Sessions.NONE);
        RunningSluice sluice = sluice("problem-retry = 30s", member(a, ""), member(s, "state = standby"));
        HttpClient client = Http.client();
        for (int i = 0; i < 5; i++) {
            assertEquals("a", served(client, sluice));
        }
        a.stop();
        for (int i = 0; i < 5; i++) {
            assertEquals("s", served(client, sluice));
        }
    }

    @Test
    void failoverOffAnswers503WithRetryAfter() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("sticky.failover = off, problem-retry = 30s", member(a, ""), member(b, ""));
        a.stop();
        HttpClient client = Http.client();
        for (int i = 0; i < 3; i++) { // the first finds a down, later ones know it: all 503, never served by b
            HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=X.a");
            assertEquals(503, response.statusCode(), "attempt " + i + ": " + response.body());
            assertEquals("10", response.headers().firstValue("Retry-After").orElse(""));
            assertTrue(response.headers().allValues("Set-Cookie").isEmpty());
        }
        assertEquals("b", served(client, sluice), "new sessions still go to b");
    }

    @Test
    void everyMemberDownGives503WithRetryAfterAndAPage() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("problem-retry = 30s, unavailable.retry-after = 7s", member(a, ""), member(b, ""));
        a.stop();
        b.stop();
        HttpClient client = Http.client();
        HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"));
        for (int i = 0; i < 3 && response.statusCode() != 503; i++) {
            response = Http.get(client, sluice.uri("http", "/"));
        }
        assertEquals(503, response.statusCode());
        assertEquals("7", response.headers().firstValue("Retry-After").orElse(""));
        HttpResponse<String> page = Http.get(client, sluice.uri("http", "/"));
        assertEquals(503, page.statusCode());
        assertTrue(page.body().contains("Service Unavailable"), page.body());
    }

    @Test
    void healthFollowsRiseAndFall() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("health { path = \"/health\", interval = 100ms, timeout = 100ms, rise = 3, fall = 2 }",
                member(a, ""), member(b, ""));
        HttpClient client = Http.client();
        a.health(503);
        await("a unhealthy", () -> !member(sluice, "a").healthy());
        assertTrue(member(sluice, "a").lastCheck().startsWith("failed at "), member(sluice, "a").lastCheck());
        assertTrue(member(sluice, "a").lastCheck().contains("status 503"), member(sluice, "a").lastCheck());
        for (int i = 0; i < 10; i++) {
            assertEquals("b", served(client, sluice));
        }
        a.health(200);
        await("a healthy", () -> member(sluice, "a").healthy());
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            after.add(served(client, sluice));
        }
        assertTrue(after.contains("a"), after.toString());
    }

    @ParameterizedTest(name = "method = {0}")
    @ValueSource(strings = {"round-robin", "least-busy"})
    void slowStartRampsTheWeightUp(String method) throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = sluice("method = " + method + ", slow-start = 3s, health { path = \"/health\", interval = 100ms, timeout = 100ms, rise = 1, fall = 1 }",
                member(a, "weight = 10"), member(b, "weight = 10"));
        a.health(503);
        await("a unhealthy", () -> !member(sluice, "a").healthy());
        a.health(200);
        await("a healthy", () -> member(sluice, "a").healthy());
        double early = member(sluice, "a").effectiveWeight();
        assertTrue(early < 10, "just back, effective weight " + early);
        Map<String, Integer> firstShare = new HashMap<>();
        HttpClient client = Http.client();
        for (int i = 0; i < 100; i++) {
            firstShare.merge(served(client, sluice), 1, Integer::sum);
        }
        assertTrue(firstShare.getOrDefault("a", 0) < 35, "a ramping up got " + firstShare + " of its first 100 requests");
        await("a at full weight", () -> member(sluice, "a").effectiveWeight() == 10);
        assertTrue(member(sluice, "b").effectiveWeight() == 10);
    }

    @Test
    void killingABackendUnderLoadFailsNoGet() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        Node c = node("c", Node.Sessions.NONE);
        RunningSluice sluice = sluice("connect-timeout = 1s", member(a, ""), member(b, ""), member(c, ""));
        HttpClient client = Http.builder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(32);
        try {
            for (int t = 0; t < 32; t++) {
                threads.submit(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> response = client.send(HttpRequest.newBuilder(sluice.uri("http", "/")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add("status " + response.statusCode());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                });
            }
            await("traffic flowing", () -> ok.get() > 500);
            b.stop();
            int atKill = ok.get();
            await("traffic after the kill", () -> ok.get() > atKill + 1000);
            running.set(false);
        } finally {
            threads.shutdown();
            threads.awaitTermination(30, TimeUnit.SECONDS);
        }
        System.out.println("BalancingIT kill under load: " + ok.get() + " GETs served, " + failures.size() + " failed");
        assertEquals(List.of(), failures);
    }

    /** A sticky request whose member is only busy waits, then gets 503: moving it would lose the session. */
    @Test
    void aBusyStickyMemberKeepsItsSessions() throws Exception {
        Node slow = Node.start("a", Node.Sessions.NONE, 1000);
        closer.add(slow);
        Node b = node("b", Node.Sessions.NONE);
        RunningSluice sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  io-threads = 1
                  pools { app { members = [ %s, %s ]
                    connections-per-thread = 1, cached-connections-per-thread = 1, queue-timeout = 300ms } }
                }
                """.formatted(member(slow, ""), member(b, "")));
        closer.add(sluice);
        HttpClient client = Http.client();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(sluice.uri("http", "/")).header("Cookie", "JSESSIONID=S.a").build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<String> outcomes = new ArrayList<>();
        for (var answer : answers) {
            HttpResponse<String> response = answer.get(20, TimeUnit.SECONDS);
            outcomes.add(response.statusCode() + " " + response.body().trim());
        }
        assertTrue(outcomes.stream().noneMatch(outcome -> outcome.equals("200 b")), "a session moved off its busy member: " + outcomes);
        assertTrue(outcomes.contains("200 a"), outcomes.toString());
        assertTrue(member(sluice, "a").isUp(), "busy is not failing");
    }

    @Test
    void ejectOn5xxCountsConsecutiveAnswers() throws Exception {
        io.sluice.testing.ScriptedBackend failing = io.sluice.testing.ScriptedBackend.answering(
                "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom");
        closer.add(failing);
        Node healthy = node("ok", Node.Sessions.NONE);
        RunningSluice sluice = sluice("eject-on-5xx = on, eject-after-failures = 3, problem-retry = 30s",
                "{ url = \"http://127.0.0.1:" + failing.port() + "\", name = bad }", member(healthy, ""));
        HttpClient client = Http.client();
        int fives = 0;
        for (int i = 0; i < 20; i++) {
            fives += Http.get(client, sluice.uri("http", "/")).statusCode() == 500 ? 1 : 0;
        }
        assertEquals(3, fives, "three 500s in a row eject the member; later requests go to the healthy one");
        assertFalse(member(sluice, "bad").isUp());
    }
}
