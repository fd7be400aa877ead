package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Eventually;
import io.sluice.testing.Http;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RunningSluice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members that answer with broken HTTP/1.1, through Sluice's own backend connection: every
 * malformed head is a 502 for the client, the connection it came on is closed, and the
 * next request is served. Framings that are legal but rare arrive whole.
 */
class BackendResponseParsingIT {
    private static final String GOOD = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final List<String> MALFORMED = List.of(
            "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
            "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
            "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(70_000) + "\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n");
    /** Framing errors after a good head and body bytes: the relayed response is cut, never completed. */
    private static final List<String> BROKEN_BODY = List.of(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokk\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Bad\u0001: 1\r\n\r\n");

    @TempDir
    Path dir;
    private ScriptedMember member;
    private RunningSluice sluice;

    @BeforeEach
    void start() throws Exception {
        member = new ScriptedMember();
        sluice = RunningSluice.start(dir, """
                sluice {
                  io-threads = 1 # one connection pool per IO thread: one pool, so reuse is visible
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ], retry-on = [] } }
                }
                """.formatted(member.port()));
    }

    @AfterEach
    void stop() throws Exception {
        sluice.close();
        member.close();
    }

    @Test
    void everyMalformedHeadIsA502AndCostsOnlyItsConnection() throws Exception {
        HttpClient client = Http.client();
        for (int i = 0; i < MALFORMED.size(); i++) {
            HttpResponse<String> bad = Http.get(client, sluice.uri("http", "/bad/" + i));
            assertEquals(502, bad.statusCode(), "case " + i + ": " + MALFORMED.get(i).substring(0, Math.min(60, MALFORMED.get(i).length())));
            int sent = i + 1;
            Eventually.await("the connection of case " + i + " closed", Duration.ofSeconds(5), () -> member.closedAfterBad.get() == sent);
            HttpResponse<String> next = Http.get(client, sluice.uri("http", "/good"));
            assertEquals(200, next.statusCode(), "after case " + i);
            assertEquals("ok", next.body());
        }
    }

    @Test
    void aBodyThatBreaksItsFramingIsCutAndCostsOnlyItsConnection() throws Exception {
        HttpClient client = Http.client();
        for (int i = 0; i < BROKEN_BODY.size(); i++) {
            int closedBefore = member.closedAfterBad.get();
            boolean complete;
            try {
                HttpResponse<String> cut = Http.get(client, sluice.uri("http", "/broken/" + i));
                complete = cut.statusCode() == 200 && cut.body().equals("ok");
            } catch (IOException e) {
                complete = false;
            }
            assertTrue(!complete, "case " + i + " reached the client as a whole response");
            // (the JDK client may send the GET again after the cut: at least one connection closes)
            Eventually.await("the connection of case " + i + " closed", Duration.ofSeconds(5), () -> member.closedAfterBad.get() > closedBefore);
            assertEquals("ok", Http.get(Http.client(), sluice.uri("http", "/good")).body(), "after case " + i);
        }
    }

    @Test
    void legalButRareFramingsArriveWhole() throws Exception {
        HttpClient client = Http.client();
        HttpResponse<String> early = Http.get(client, sluice.uri("http", "/early-hints"));
        assertEquals(200, early.statusCode());
        assertEquals("ok", early.body());
        HttpResponse<String> chunked = Http.get(client, sluice.uri("http", "/chunked"));
        assertEquals(200, chunked.statusCode());
        assertEquals("hello, world", chunked.body());
        HttpResponse<String> trickled = Http.get(client, sluice.uri("http", "/trickle"));
        assertEquals(200, trickled.statusCode());
        assertEquals("hello, world", trickled.body(), "a head and chunked body arriving one byte per read");
        HttpResponse<String> empty = Http.get(client, sluice.uri("http", "/no-content"));
        assertEquals(204, empty.statusCode());
        int connections = member.accepted.get();
        for (int i = 0; i < 5; i++) {
            assertEquals("ok", Http.get(client, sluice.uri("http", "/good")).body());
        }
        assertEquals(connections, member.accepted.get(), "interim, chunked and empty responses leave the connection reusable");
    }

    /** RFC 9112 6.3: a Transfer-Encoding whose last coding is not chunked makes the body end with the connection. */
    @Test
    void aBodyWithoutChunkedLastEndsWithTheConnection() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), sluice.port("http"))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /until-close HTTP/1.1\r\nHost: app\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith("\r\n\r\nall of it, until close"), response);
        }
        assertEquals(200, Http.get(Http.client(), sluice.uri("http", "/good")).statusCode());
    }

    /** The member's 100 Continue reaches the client, whose body then reaches the member, on a connection that stays open. */
    @Test
    void expectContinueGoesThroughTheMembersInterimResponse() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), sluice.port("http"))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("POST /expect HTTP/1.1\r\nHost: app\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String interim = RawHttp.readHead(in);
            assertTrue(interim.startsWith("HTTP/1.1 100"), interim);
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertEquals("got hello", new String(in.readNBytes(9), StandardCharsets.US_ASCII));
        }
        int connections = member.accepted.get();
        assertEquals("ok", Http.get(Http.client(), sluice.uri("http", "/good")).body());
        assertEquals(connections, member.accepted.get(), "the connection is kept");
    }

    /** Answers by path, byte for byte, on kept-alive connections; notes when Sluice closes one that got a malformed answer. */
    private static final class ScriptedMember implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger closedAfterBad = new AtomicInteger();

        ScriptedMember() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        accepted.incrementAndGet();
                        Thread worker = new Thread(() -> serve(socket), "scripted-member");
                        worker.setDaemon(true);
                        worker.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "scripted-member-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket socket) {
            boolean answeredBadly = false;
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                String head;
                while ((head = RawHttp.readHead(in)) != null) {
                    String path = head.split(" ", 3)[1];
                    answeredBadly = path.startsWith("/bad/") || path.startsWith("/broken/");
                    if (path.equals("/expect")) {
                        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        String body = new String(in.readNBytes(5), StandardCharsets.ISO_8859_1);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ngot " + body).getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        continue;
                    }
                    String answer = switch (path) {
                        case "/early-hints" -> "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + GOOD;
                        case "/chunked", "/trickle" -> "HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: 1\r\n\r\n";
                        case "/no-content" -> "HTTP/1.1 204 No Content\r\n\r\n";
                        case "/until-close" -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nall of it, until close";
                        default -> path.startsWith("/bad/") ? MALFORMED.get(Integer.parseInt(path.substring(5)))
                                : path.startsWith("/broken/") ? BROKEN_BODY.get(Integer.parseInt(path.substring(8))) : GOOD;
                    };
                    if (path.equals("/trickle")) {
                        socket.setTcpNoDelay(true);
                        for (byte b : answer.getBytes(StandardCharsets.ISO_8859_1)) {
                            out.write(b);
                            out.flush();
                            sleep(2);
                        }
                        continue;
                    }
                    out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (path.equals("/until-close")) {
                        return;
                    }
                }
                if (answeredBadly) {
                    closedAfterBad.incrementAndGet();
                }
            } catch (IOException e) {
                if (answeredBadly) {
                    closedAfterBad.incrementAndGet(); // reset by Sluice
                }
            }
        }

        private static void sleep(long millis) throws IOException {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
