package io.sluice.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.config.RetryPolicy;
import io.sluice.metrics.PoolMetrics;
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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose response breaks after a good head. The member writes the head on its own
 * and pauses before it misbehaves, so the head has been read and parsed by the time the
 * body breaks. While nothing of the response has reached the client, the client gets
 * Sluice's 502, as for a malformed head, counted as an empty response; once body bytes
 * have gone out, the client's response is cut (the connection closes short of the
 * Content-Length, or with no last chunk), never completed.
 */
class BackendBodyFailureIT {
    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String FIXED_HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    /** Per path: what the member writes at once, what 300 ms later, and then "CLOSE" or "RESET"; "KEEP": no pause, the connection stays. */
    private static final Map<String, Script> SCRIPTS = Map.ofEntries(
            Map.entry("/bad-chunk-line", new Script(CHUNKED_HEAD, "zz\r\n", "CLOSE")),
            Map.entry("/chunked-closed", new Script(CHUNKED_HEAD, "", "CLOSE")),
            Map.entry("/chunked-closed-after-size", new Script(CHUNKED_HEAD, "5\r\n", "CLOSE")),
            Map.entry("/chunked-reset", new Script(CHUNKED_HEAD, "", "RESET")),
            Map.entry("/fixed-closed", new Script(FIXED_HEAD, "", "CLOSE")),
            Map.entry("/fixed-reset", new Script(FIXED_HEAD, "", "RESET")),
            Map.entry("/malformed-head", new Script("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok", "", "KEEP")),
            Map.entry("/fixed-cut", new Script(FIXED_HEAD + "hello", "", "CLOSE")),
            Map.entry("/chunked-cut", new Script(CHUNKED_HEAD + "5\r\nhello\r\n", "", "CLOSE")),
            Map.entry("/chunked-bad-later", new Script(CHUNKED_HEAD + "5\r\nhello\r\n", "zz\r\n", "CLOSE")),
            Map.entry("/chunked-empty", new Script(CHUNKED_HEAD, "0\r\nX-Checksum: 1\r\n\r\n", "CLOSE")),
            Map.entry("/until-close-empty", new Script("HTTP/1.1 200 OK\r\n\r\n", "", "CLOSE")));

    private record Script(String first, String afterPause, String end) {
    }

    @TempDir
    Path dir;
    private ScriptedMember member;
    private RunningSluice sluice;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeFalse("undertow".equals(System.getProperty(BackendClients.PROPERTY)), "Sluice's own backend connection");
        member = new ScriptedMember();
        sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ], retry-on = [] } }
                }
                """.formatted(member.port()));
    }

    @AfterEach
    void stop() throws Exception {
        if (sluice != null) {
            sluice.close();
            member.close();
        }
    }

    @Test
    void aBodyThatBreaksBeforeAnyOfItWasRelayedIsA502LikeAMalformedHead() throws Exception {
        String malformed = get("/malformed-head");
        assertEquals(502, RawHttp.status(malformed), malformed);
        long failures = emptyResponses();
        StringBuilder wrong = new StringBuilder();
        for (String path : new String[] {"/bad-chunk-line", "/chunked-closed", "/chunked-closed-after-size", "/chunked-reset",
                "/fixed-closed", "/fixed-reset"}) {
            String response = get(path);
            failures++;
            if (!withoutDate(response).equals(withoutDate(malformed))) {
                wrong.append(path).append(": ").append(response.isEmpty() ? "(nothing, the connection closed)" : response).append('\n');
            } else if (emptyResponses() != failures) {
                wrong.append(path).append(": not counted as an empty response\n");
                failures = emptyResponses();
            }
        }
        assertEquals("", wrong.toString(), "every one the same 502 as for a malformed head, counted as an empty response");
    }

    @Test
    void aBodyThatBreaksAfterSomeOfItWasRelayedIsCut() throws Exception {
        String fixed = get("/fixed-cut");
        assertEquals(200, RawHttp.status(fixed), fixed);
        assertTrue(RawHttp.head(fixed).contains("Content-Length: 10"), fixed);
        assertTrue(fixed.endsWith("\r\n\r\nhello"), "5 of the 10 bytes, then the connection closed:\n" + fixed);
        for (String path : new String[] {"/chunked-cut", "/chunked-bad-later"}) {
            String chunked = get(path);
            assertEquals(200, RawHttp.status(chunked), path + ":\n" + chunked);
            assertTrue(chunked.contains("hello"), path + ":\n" + chunked);
            assertFalse(chunked.endsWith("0\r\n\r\n"), path + ": the chunked body must not be terminated:\n" + chunked);
        }
    }

    /** The head waits for the body's first byte; a body that ends before it has one is no failure. */
    @Test
    void aBodyThatEndsBeforeItsFirstByteIsRelayedWhole() throws Exception {
        HttpClient client = Http.client();
        for (String path : new String[] {"/chunked-empty", "/until-close-empty"}) {
            HttpResponse<String> empty = Http.get(client, sluice.uri("http", path));
            assertEquals(200, empty.statusCode(), path);
            assertEquals("", empty.body(), path);
        }
    }

    private String get(String path) throws Exception {
        return RawHttp.exchange(sluice.address("http"), "GET " + path + " HTTP/1.1\nHost: app\nConnection: close\n");
    }

    private long emptyResponses() {
        PoolMetrics metrics = sluice.server().generation().pools().get("app").metrics();
        return metrics.attemptFailures(RetryPolicy.Cause.EMPTY_RESPONSE);
    }

    private static String withoutDate(String response) {
        return response.replaceAll("(?m)^Date: .*\r\n", "");
    }

    /** Writes the script's first part, pauses so that Sluice reads it alone, then the rest, and closes or resets. */
    private static final class ScriptedMember implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        ScriptedMember() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
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
            try (socket) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                String head;
                while ((head = RawHttp.readHead(in)) != null) {
                    Script script = SCRIPTS.get(head.split(" ", 3)[1]);
                    out.write(script.first().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (script.end().equals("KEEP")) {
                        continue;
                    }
                    Thread.sleep(300);
                    out.write(script.afterPause().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (script.end().equals("RESET")) {
                        socket.setSoLinger(true, 0);
                    }
                    return;
                }
            } catch (IOException | InterruptedException e) {
                // Sluice closed the connection
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
