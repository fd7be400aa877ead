package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.pool.Member;
import io.sluice.testing.Closer;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RecordingBackend;
import io.sluice.testing.RunningSluice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Sluice knows about its members outlives the generation that learned it: a member
 * taken out of rotation (health check, passive ejection) stays out across a reload and
 * across a member added at run time beside it, and sessions learned on a member stay on it
 * while other members come and go or the list is reordered.
 */
class RuntimeStateIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private Node node(String name, Node.Sessions sessions) {
        Node node = Node.start(name, sessions);
        closer.add(node);
        return node;
    }

    private static String config(String routesExtra, String poolExtra, String... memberUrls) {
        StringBuilder members = new StringBuilder();
        for (String url : memberUrls) {
            members.append(members.length() == 0 ? "" : ", ").append("{ url = \"").append(url).append("\", route = ")
                    .append(url.substring(url.lastIndexOf(':') + 1)).append(" }");
        }
        return """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } %s ]
                  pools { app { members = [ %s ], %s } }
                  admin { bind = "127.0.0.1:0", users = [], token-file = token }
                }
                """.formatted(routesExtra, members, poolExtra);
    }

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    private RunningSluice start(String hocon) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("token"), TOKEN + "\n");
        RunningSluice sluice = RunningSluice.start(dir, hocon);
        closer.add(sluice);
        return sluice;
    }

    private static Member member(RunningSluice sluice, int port) {
        return sluice.server().generation().pools().get("app").member(Integer.toString(port));
    }

    private static HttpResponse<String> adminPost(RunningSluice sluice, String path, String json) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + path);
        return Http.client().send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitUnhealthy(RunningSluice sluice, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (member(sluice, port).healthy() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(member(sluice, port).healthy(), "the health check took the member out");
    }

    private static void assertAllServedBy(RunningSluice sluice, String expected, int requests) throws Exception {
        HttpClient client = Http.client();
        for (int i = 0; i < requests; i++) {
            assertEquals(expected, Http.get(client, sluice.uri("http", "/")).body());
        }
    }

    @Test
    void aHealthFailedMemberStaysOutAcrossAReloadAndAMemberAddedBesideIt() throws Exception {
        Node a = node("a", Node.Sessions.NONE);
        Node b = node("b", Node.Sessions.NONE);
        Node c = node("c", Node.Sessions.NONE);
        // a slow check: a member that started over as healthy would take traffic for seconds
        String health = "health { path = /health, interval = 5s, timeout = 1s, rise = 1, fall = 1 }";
        RunningSluice sluice = start(config("", health, a.url(), b.url()));
        a.health(503);
        awaitUnhealthy(sluice, a.port());
        assertAllServedBy(sluice, "b", 6);

        assertTrue(sluice.reload(config(", { prefix = \"/other\", pool = app }", health, a.url(), b.url())).applied());
        assertFalse(member(sluice, a.port()).healthy(), "the reloaded pool carried the verdict");
        assertAllServedBy(sluice, "b", 6);

        HttpResponse<String> added = adminPost(sluice, "/api/v1/pools/app/members", "{\"url\":\"" + c.url() + "\",\"route\":\"c\"}");
        assertEquals(200, added.statusCode(), added.body());
        assertFalse(member(sluice, a.port()).healthy(), "adding c changed nothing for a");
        HttpClient client = Http.client();
        for (int i = 0; i < 8; i++) {
            assertTrue(!Http.get(client, sluice.uri("http", "/")).body().equals("a"));
        }
    }

    @Test
    void anEjectedMemberStaysOutAcrossAReload() throws Exception {
        try (RecordingBackend silent = RecordingBackend.start((request, connection, n) -> new RecordingBackend.Silent());
             RecordingBackend answering = RecordingBackend.answering("ok")) {
            String pool = "response-timeout = 1s, problem-retry = 60s";
            RunningSluice sluice = start(config("", pool, silent.url(), answering.url()));
            HttpClient client = Http.client();
            int timeouts = 0;
            for (int i = 0; i < 2; i++) {
                timeouts += Http.get(client, sluice.uri("http", "/t" + i)).statusCode() == 504 ? 1 : 0;
            }
            assertEquals(1, timeouts);
            // a new response-timeout means new connection pools: the members are rebuilt and inherit their state
            assertTrue(sluice.reload(config(", { prefix = \"/other\", pool = app }", "response-timeout = 2s, problem-retry = 60s",
                    silent.url(), answering.url())).applied());
            for (int i = 0; i < 6; i++) {
                assertEquals(200, Http.get(client, sluice.uri("http", "/after" + i)).statusCode());
            }
            assertEquals(1, silent.requests().size(), "the ejected member got nothing after the reload");
        }
    }

    @Test
    void learnedSessionsStayOnTheirMemberWhileOthersComeAndGo() throws Exception {
        Node a = node("a", Node.Sessions.PLAIN);
        Node b = node("b", Node.Sessions.PLAIN);
        Node c = node("c", Node.Sessions.PLAIN);
        Node d = node("d", Node.Sessions.PLAIN);
        String sticky = "sticky.modes = [learn]";
        RunningSluice sluice = start(config("", sticky, a.url(), b.url(), c.url()));
        HttpClient client = Http.client();
        HttpResponse<String> first = Http.get(client, sluice.uri("http", "/"));
        String owner = first.body();
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        Node ownerNode = switch (owner) {
            case "a" -> a;
            case "b" -> b;
            default -> c;
        };
        Node other = ownerNode == a ? b : a;

        HttpResponse<String> removed = adminPost(sluice, "/api/v1/pools/app/members/" + other.port() + "/remove", "{}");
        assertEquals(200, removed.statusCode(), removed.body());
        assertEquals(owner, Http.get(client, sluice.uri("http", "/"), "Cookie", cookie).body(), "removing another member");
        assertEquals(200, adminPost(sluice, "/api/v1/pools/app/members", "{\"url\":\"" + d.url() + "\"}").statusCode());
        assertEquals(owner, Http.get(client, sluice.uri("http", "/"), "Cookie", cookie).body(), "adding another member");

        // the file now lists the members in another order, without the removed one
        java.util.List<String> reordered = new java.util.ArrayList<>(java.util.List.of(c.url(), b.url(), a.url()));
        reordered.remove(other.url());
        assertTrue(sluice.reload(config("", sticky, reordered.toArray(String[]::new))).applied());
        for (int i = 0; i < 4; i++) {
            assertEquals(owner, Http.get(client, sluice.uri("http", "/"), "Cookie", cookie).body(), "after a reordering reload");
        }
    }
}
