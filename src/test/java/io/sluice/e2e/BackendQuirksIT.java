package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.demo.DemoBackend;
import io.sluice.pool.Member;
import io.sluice.testing.Http;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.ScriptedBackend;
import io.sluice.testing.UndertowBackend;
import io.undertow.server.HttpHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What real backends and real load do that simple test servers don't. */
class BackendQuirksIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private <T extends AutoCloseable> T closing(T closeable) {
        closer.add(closeable);
        return closeable;
    }

    private RunningSluice sluice(String members, String poolExtra, String extra) throws Exception {
        return closing(RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ %s ]
                    %s } }
                  %s
                }
                """.formatted(members, poolExtra, extra)));
    }

    /** Tomcat 8.5+ sends no reason phrase: its own 503 must still reach the client as 503. */
    @Test
    void tomcatStyle503WithoutReasonPhrasePassesThrough() throws Exception {
        ScriptedBackend tomcat = closing(ScriptedBackend.answering(
                "HTTP/1.1 503 \r\nRetry-After: 30\r\nContent-Length: 5\r\n\r\nbusy!"));
        RunningSluice sluice = sluice("{ url = \"http://127.0.0.1:" + tomcat.port() + "\" }", "", "");
        HttpResponse<String> response = Http.get(Http.client(), sluice.uri("http", "/"));
        assertEquals(503, response.statusCode());
        assertEquals("busy!", response.body());
        assertEquals("30", response.headers().firstValue("Retry-After").orElse(""));
    }

    @Test
    void memberContextPathIsPrependedAndMappedBack() throws Exception {
        List<String> seen = new ArrayList<>();
        UndertowBackend backend = closing(UndertowBackend.http(exchange -> {
            seen.add(exchange.getRequestURI() + "?" + exchange.getQueryString());
            exchange.setStatusCode(302);
            exchange.getResponseHeaders().put(io.undertow.util.Headers.LOCATION,
                    "http://127.0.0.1:" + exchange.getDestinationAddress().getPort() + "/webapp/next");
            exchange.endExchange();
        }));
        RunningSluice sluice = sluice("{ url = \"http://127.0.0.1:" + backend.port() + "/webapp\" }", "", "");
        HttpResponse<String> response = Http.get(Http.client(), sluice.uri("http", "/hello?x=1"));
        assertEquals(List.of("/webapp/hello?x=1"), seen);
        assertEquals("http://127.0.0.1:" + sluice.port("http") + "/next", response.headers().firstValue("Location").orElse(""));
    }

    /** A member whose connections are all busy queues requests: that is load, not failure. */
    @Test
    void queuedRequestsDoNotTakeBusyMembersOutOfRotation() throws Exception {
        HttpHandler slow = exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(ex -> {
                    Thread.sleep(1500);
                    ex.getResponseSender().send("slow");
                });
            }
        };
        UndertowBackend a = closing(UndertowBackend.http(slow));
        UndertowBackend b = closing(UndertowBackend.http(slow));
        RunningSluice sluice = sluice("{ url = \"http://127.0.0.1:" + a.port() + "\" }, { url = \"http://127.0.0.1:" + b.port() + "\" }",
                "connections-per-thread = 1, cached-connections-per-thread = 1, connect-timeout = 500ms, queue-timeout = 10s", "io-threads = 1");
        HttpClient client = Http.client();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responses.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(sluice.uri("http", "/q" + i)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertEquals(200, response.get(20, TimeUnit.SECONDS).statusCode());
        }
        for (Member member : sluice.server().generation().pools().get("app").members()) {
            assertTrue(member.isUsable(), member + " was taken out of rotation for being busy");
        }
    }

    /** Upgrade requests get exclusive backend connections; one answered without a 101 is closed, not kept. */
    @Test
    void upgradeRequestsCannotPileUpBackendConnections() throws Exception {
        ScriptedBackend backend = closing(ScriptedBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        RunningSluice sluice = sluice("{ url = \"http://127.0.0.1:" + backend.port() + "\" }", "", "");
        try (Socket client = new Socket("127.0.0.1", sluice.port("http"))) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            for (int i = 0; i < 10; i++) {
                out.write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                in.readNBytes(2);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (backend.open() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(10, backend.accepted());
            assertTrue(backend.open() <= 1, backend.open() + " backend connections still open for one client");
        }
    }

    /** With one of three equal members down, the other two share its traffic evenly. */
    @Test
    void aMemberOutOfRotationIsSharedByWeight() throws Exception {
        DemoBackend node1 = closing(DemoBackend.start("127.0.0.1", 0, "node1"));
        DemoBackend node2 = closing(DemoBackend.start("127.0.0.1", 0, "node2"));
        DemoBackend node3 = closing(DemoBackend.start("127.0.0.1", 0, "node3"));
        RunningSluice sluice = sluice(String.join(", ",
                "{ url = \"http://127.0.0.1:" + node1.port() + "\", route = node1 }",
                "{ url = \"http://127.0.0.1:" + node2.port() + "\", route = node2 }",
                "{ url = \"http://127.0.0.1:" + node3.port() + "\", route = node3 }"), "", "");
        node2.close();
        Map<String, Integer> counts = new HashMap<>();
        HttpClient client = Http.client();
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"));
            assertEquals(200, response.statusCode());
            counts.merge(response.body().substring(5, 10), 1, Integer::sum);
        }
        assertEquals(2, counts.size(), counts.toString());
        assertTrue(Math.abs(counts.get("node1") - counts.get("node3")) <= 6, counts.toString());
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
