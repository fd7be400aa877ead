package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kept-alive backend connection costs the same on its ten-thousandth request as on its
 * first: nothing is added to it per request (Undertow's client wrapped the connection in a
 * new write-timeout conduit per request when WRITE_TIMEOUT was set, which exhausted the
 * heap), and the response timeout still ends a backend that stops reading an upload.
 */
class BackendConnectionReuseIT {
    private static final int REQUESTS = 400;

    @TempDir
    Path dir;

    @Test
    void aKeptAliveBackendConnectionDoesNotGrowWithEveryRequest() throws Exception {
        try (UndertowBackend backend = UndertowBackend.http(exchange -> exchange.getResponseSender().send("ok"));
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       io-threads = 1
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       routes = [ { prefix = "/", pool = app } ]
                       pools { app { members = [ { url = "http://127.0.0.1:%d" } ]
                                     connections-per-thread = 1, cached-connections-per-thread = 1 } }
                     }
                     """.formatted(backend.port()))) {
            HttpClient client = Http.client();
            for (int i = 0; i < 20; i++) { // the backend connection is open and every class loaded
                assertEquals(200, Http.get(client, sluice.uri("http", "/warm")).statusCode());
            }
            long conduitsBefore = liveInstances("io.undertow.conduits.WriteTimeoutStreamSinkConduit");
            long listenersBefore = liveInstances("io.undertow.server.protocol.http.HttpOpenListener");
            for (int i = 0; i < REQUESTS; i++) {
                HttpResponse<String> response = Http.get(client, sluice.uri("http", "/" + i));
                assertEquals(200, response.statusCode(), response.body());
            }
            long conduitsGrowth = liveInstances("io.undertow.conduits.WriteTimeoutStreamSinkConduit") - conduitsBefore;
            long listenersGrowth = liveInstances("io.undertow.server.protocol.http.HttpOpenListener") - listenersBefore;
            // one backend connection carried all of them; a per-request leak shows as ~REQUESTS
            assertTrue(conduitsGrowth < 10, "write-timeout conduits retained: +" + conduitsGrowth + " after " + REQUESTS + " requests");
            assertTrue(listenersGrowth < 10, "open listeners retained: +" + listenersGrowth + " after " + REQUESTS + " requests");
            assertTrue(backend.requests() >= REQUESTS + 20, "requests reached the backend: " + backend.requests());
        }
    }

    /**
     * Sluice's own backend connection: one connection carries a thousand requests, and what
     * each request made (its exchange, response head, channel views) is gone afterwards.
     */
    @Test
    void oneBackendConnectionCarriesAThousandRequestsWithNothingLeftBehind() throws Exception {
        try (io.sluice.testing.ScriptedBackend backend = io.sluice.testing.ScriptedBackend.answering(
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       io-threads = 1
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       routes = [ { prefix = "/", pool = app } ]
                       pools { app { members = [ { url = "http://127.0.0.1:%d" } ]
                                     connections-per-thread = 1, cached-connections-per-thread = 1 } }
                     }
                     """.formatted(backend.port()))) {
            HttpClient client = Http.client();
            for (int i = 0; i < 20; i++) {
                assertEquals(200, Http.get(client, sluice.uri("http", "/warm")).statusCode());
            }
            boolean own = !"undertow".equals(System.getProperty("sluice.backend-client"));
            String[] perRequest = own
                    ? new String[] {"io.sluice.backend.BackendExchange", "io.undertow.client.ClientResponse", "io.sluice.backend.BackendExchange$1",
                            "io.sluice.backend.BackendExchange$2"}
                    : new String[] {"io.undertow.client.ClientResponse"};
            long[] before = new long[perRequest.length];
            for (int k = 0; k < perRequest.length; k++) {
                before[k] = liveInstances(perRequest[k]);
            }
            for (int i = 0; i < 1000; i++) {
                HttpResponse<String> response = Http.get(client, sluice.uri("http", "/" + i));
                assertEquals(200, response.statusCode(), response.body());
                assertEquals("ok", response.body());
            }
            for (int k = 0; k < perRequest.length; k++) {
                long growth = liveInstances(perRequest[k]) - before[k];
                assertTrue(growth < 10, perRequest[k] + " retained: +" + growth + " after 1000 requests");
            }
            assertEquals(1, backend.accepted(), "one kept-alive backend connection carried every request");
            if (own) {
                assertEquals(1, liveInstances("io.sluice.backend.BackendConnection"), "backend connections alive");
            }
        }
    }

    @Test
    void aBackendThatStopsReadingAnUploadIsCutAtTheResponseTimeout() throws Exception {
        try (ServerSocket deaf = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(deaf.accept()); // and never read from it
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "deaf-backend");
            acceptor.setDaemon(true);
            acceptor.start();
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [ { prefix = "/", pool = deaf } ]
                      pools { deaf { members = [ { url = "http://127.0.0.1:%d" } ], response-timeout = 1s } }
                    }
                    """.formatted(deaf.getLocalPort()));
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), sluice.port("http"))) {
                long bodyLength = 256L * 1024 * 1024; // far more than the kernel buffers on the way hold
                client.setSoTimeout(20_000); // without a response timeout the read below would fail here
                OutputStream out = client.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: app\r\n" + Headers.CONTENT_LENGTH_STRING + ": " + bodyLength + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                Thread uploader = new Thread(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (long sent = 0; sent < bodyLength; sent += chunk.length) {
                            out.write(chunk); // blocks once Sluice stops reading
                        }
                    } catch (IOException cut) {
                        // Sluice closed the connection after answering
                    }
                }, "uploader");
                uploader.setDaemon(true);
                uploader.start();
                String head = readHead(client.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 504"), head);
            } finally {
                for (Socket socket : accepted) {
                    socket.close();
                }
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            head.append((char) c);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                break;
            }
        }
        return head.toString();
    }

    /** Live instances of a class after a full collection, from the JVM's class histogram (jcmd GC.class_histogram). */
    private static long liveInstances(String className) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Matcher row = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+" + Pattern.quote(className) + "(\\s|$)", Pattern.MULTILINE)
                .matcher(histogram);
        return row.find() ? Long.parseLong(row.group(1)) : 0;
    }
}
