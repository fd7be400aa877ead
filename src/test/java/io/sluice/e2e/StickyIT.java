package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.demo.DemoBackend;
import io.sluice.testing.Http;
import io.sluice.testing.RawHttp;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * jvmRoute stickiness against real Tomcat-like nodes (DemoBackend sets
 * JSESSIONID=id.route): by cookie, by ;jsessionid path parameter, weights for new
 * sessions, and failover when the session's node is gone.
 */
class StickyIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();
    final HttpClient client = Http.client();

    private DemoBackend node(String route) {
        DemoBackend node = DemoBackend.start("127.0.0.1", 0, route);
        closer.add(node);
        return node;
    }

    private RunningSluice sluice(String members, String poolExtra) throws Exception {
        RunningSluice sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app }, { prefix = "/balancer-manager", status = 404 } ]
                  pools { app { members = [ %s ], connect-timeout = 500ms, %s } }
                }
                """.formatted(members, poolExtra));
        closer.add(sluice);
        return sluice;
    }

    private static String member(DemoBackend node, String route, int weight) {
        return "{ url = \"http://127.0.0.1:" + node.port() + "\", route = " + route + ", weight = " + weight + " }\n";
    }

    private String served(RunningSluice sluice, String path, String... headers) throws Exception {
        HttpResponse<String> response = Http.get(client, sluice.uri("http", path), headers);
        assertEquals(200, response.statusCode(), response.body());
        String body = response.body();
        return body.substring("node=".length(), body.indexOf(' '));
    }

    @Test
    void newSessionsAreBalancedAndACookieSticks() throws Exception {
        DemoBackend node1 = node("node1");
        DemoBackend node2 = node("node2");
        RunningSluice sluice = sluice(member(node1, "node1", 1) + member(node2, "node2", 1), "");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            counts.merge(served(sluice, "/"), 1, Integer::sum);
        }
        assertEquals(Map.of("node1", 5, "node2", 5), counts);
        for (int i = 0; i < 5; i++) {
            assertEquals("node2", served(sluice, "/", "Cookie", "other=1; JSESSIONID=ABC123.node2; x=y"));
            assertEquals("node1", served(sluice, "/", "Cookie", "JSESSIONID=ABC123.node1"));
        }
    }

    @Test
    void pathParameterSticksLikeTomcatUrlRewriting() throws Exception {
        DemoBackend node1 = node("node1");
        DemoBackend node2 = node("node2");
        RunningSluice sluice = sluice(member(node1, "node1", 1) + member(node2, "node2", 1), "");
        for (int i = 0; i < 4; i++) {
            assertEquals("node2", served(sluice, "/app;jsessionid=XYZ.node2?x=" + i));
            assertEquals("node1", served(sluice, "/app/page;jsessionid=XYZ.node1"));
        }
    }

    @Test
    void weightsShareNewSessionsSmoothly() throws Exception {
        DemoBackend node1 = node("node1");
        DemoBackend node2 = node("node2");
        RunningSluice sluice = sluice(member(node1, "node1", 3) + member(node2, "node2", 1), "");
        StringBuilder sequence = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sequence.append(served(sluice, "/").charAt(4));
        }
        assertEquals(30, sequence.chars().filter(c -> c == '1').count(), sequence.toString());
        assertTrue(!sequence.toString().contains("22"), "node2's turns are spread out: " + sequence);
    }

    @Test
    void unknownRouteIsBalancedNormally() throws Exception {
        DemoBackend node1 = node("node1");
        DemoBackend node2 = node("node2");
        RunningSluice sluice = sluice(member(node1, "node1", 1) + member(node2, "node2", 1), "");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            counts.merge(served(sluice, "/", "Cookie", "JSESSIONID=ABC.node9"), 1, Integer::sum);
        }
        assertEquals(Map.of("node1", 2, "node2", 2), counts);
    }

    @Test
    void stickyRequestFailsOverWhenItsNodeIsStopped() throws Exception {
        DemoBackend node1 = node("node1");
        DemoBackend node2 = node("node2");
        RunningSluice sluice = sluice(member(node1, "node1", 1) + member(node2, "node2", 1), "");
        HttpResponse<String> first = Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=S1.node2");
        assertTrue(first.body().startsWith("node=node2"), first.body());
        node2.close();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=S1.node2");
            assertEquals(200, response.statusCode());
            assertTrue(response.body().startsWith("node=node1"), response.body());
            // node1 starts its own session for the failed-over client
            assertTrue(response.headers().firstValue("Set-Cookie").orElse("").contains(".node1"), response.headers().toString());
        }
        // a POST stuck to the dead node is failed over as well: it never reached node2
        HttpResponse<String> post = client.send(java.net.http.HttpRequest.newBuilder(sluice.uri("http", "/form"))
                .header("Cookie", "JSESSIONID=S1.node2").POST(java.net.http.HttpRequest.BodyPublishers.ofString("a=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, post.statusCode());
        assertTrue(post.body().startsWith("node=node1"), post.body());
    }

    @Test
    void everyMemberDownGives503() throws Exception {
        DemoBackend node1 = node("node1");
        RunningSluice sluice = sluice(member(node1, "node1", 1), "");
        node1.close();
        HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"));
        assertEquals(503, response.statusCode());
    }

    @Test
    void blackHoledMemberIsLeftAfterTheConnectTimeout() throws Exception {
        DemoBackend node1 = node("node1");
        // A listening socket that never accepts, its backlog filled: connects to it hang.
        ServerSocket blackHole = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        closer.add(blackHole);
        for (int i = 0; i < 8; i++) {
            Socket filler = new Socket();
            closer.add(filler);
            try {
                filler.connect(new InetSocketAddress("127.0.0.1", blackHole.getLocalPort()), 200);
            } catch (java.io.IOException timedOut) {
                break; // the backlog is full
            }
        }
        RunningSluice sluice = sluice(member(node1, "node1", 1)
                + "{ url = \"http://127.0.0.1:" + blackHole.getLocalPort() + "\", route = node2 }", "");
        for (int i = 0; i < 4; i++) {
            assertEquals("node1", served(sluice, "/", "Cookie", "JSESSIONID=S.node2"));
        }
    }

    @Test
    void fixedStatusRouteAnswersWithoutABackend() throws Exception {
        DemoBackend node1 = node("node1");
        RunningSluice sluice = sluice(member(node1, "node1", 1), "");
        String response = RawHttp.exchange(sluice.address("http"), "GET /balancer-manager HTTP/1.1\nHost: x\nConnection: close\n");
        assertEquals(404, RawHttp.status(response));
    }
}
