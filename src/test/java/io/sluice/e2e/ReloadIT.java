package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.Sluice;
import io.sluice.runtime.ControlSocket;
import io.sluice.runtime.Reloader;
import io.sluice.testing.Closer;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload: a new generation swapped in atomically, listeners kept, refused configs change nothing. */
class ReloadIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private Node node(String name, Node.Sessions sessions, long delay) {
        Node node = Node.start(name, sessions, delay);
        closer.add(node);
        return node;
    }

    private static String config(String listeners, String pool, String... members) {
        StringBuilder list = new StringBuilder();
        for (String member : members) {
            list.append(list.length() == 0 ? "" : ", ").append("{ url = \"").append(member).append("\" }");
        }
        return """
                sluice {
                  listeners = [ %s ]
                  routes = [ { prefix = "/", pool = app } ]
                  shutdown.drain-timeout = 2s
                  pools { app { members = [ %s ]
                    %s } }
                }
                """.formatted(listeners, list, pool);
    }

    private static final String HTTP = "{ name = http, bind = \"127.0.0.1:0\" }";

    private RunningSluice start(String hocon) throws Exception {
        RunningSluice sluice = RunningSluice.start(dir, hocon);
        closer.add(sluice);
        return sluice;
    }

    @Test
    void aChangedPoolAppliesOnTheSameListener() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        Node b = node("b", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP, "", a.url()));
        int port = sluice.port("http");
        assertEquals("a", Http.get(Http.client(), sluice.uri("http", "/")).body());
        assertTrue(sluice.reload(config(HTTP, "", b.url())).applied());
        assertEquals(port, sluice.port("http"), "the listener kept its socket");
        for (int i = 0; i < 4; i++) {
            assertEquals("b", Http.get(Http.client(), sluice.uri("http", "/")).body());
        }
    }

    @Test
    void aBrokenConfigIsRefusedAndTheOldOneKeepsServing() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP, "", a.url()));
        var outcome = sluice.reload(config(HTTP, "conect-timeout = 1s", a.url()));
        assertFalse(outcome.applied());
        assertTrue(outcome.summary().contains("unknown key \"conect-timeout\""), outcome.summary());
        assertEquals("a", Http.get(Http.client(), sluice.uri("http", "/")).body());
    }

    @Test
    void renewedCertificateAppliesWithoutRebinding() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        TestCertificates.PemFiles first = TestCertificates.write(dir, "RSA", "first.test");
        String https = "{ name = https, bind = \"127.0.0.1:0\", tls { engine = jdk, " + first.hocon() + " } }";
        RunningSluice sluice = start(config(https, "", a.url()));
        int port = sluice.port("https");
        assertTrue(servedCertificate(port).getSubjectX500Principal().getName().contains("first.test"));
        // the renewed certificate is written over the same files, as certbot does
        io.sluice.tls.SelfSignedCertificate.writePem(io.sluice.tls.SelfSignedCertificate.generate("RSA", List.of("renewed.test"),
                java.time.Duration.ofDays(1)), first.certificate(), first.key());
        assertTrue(sluice.reload(config(https, "", a.url())).applied());
        assertEquals(port, sluice.port("https"));
        assertTrue(servedCertificate(port).getSubjectX500Principal().getName().contains("renewed.test"));
    }

    /**
     * TLS sessions resume across a reload that leaves the listener's TLS settings and certificate
     * as they were (the context, its session cache and ticket keys are kept), and start anew after
     * a reload that renews the certificate. Checked with the openssl client's own verdict.
     */
    @ParameterizedTest(name = "engine = {0}, {1}")
    @CsvSource({"jdk, -tls1_2", "jdk, -tls1_3", "openssl, -tls1_2", "openssl, -tls1_3"})
    void tlsSessionsResumeAcrossAReload(String engine, String protocol) throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        Node b = node("b", Node.Sessions.NONE, 0);
        TestCertificates.PemFiles cert = TestCertificates.write(dir, "RSA", "localhost");
        String https = "{ name = https, bind = \"127.0.0.1:0\", tls { engine = " + engine + ", " + cert.hocon() + " } }";
        RunningSluice sluice = start(config(https, "", a.url()));
        int port = sluice.port("https");
        Path session = dir.resolve("session.pem");
        assertTrue(openssl(port, protocol, "-sess_out", session).contains("New, TLS"), "the first handshake is a full one");
        assertTrue(openssl(port, protocol, "-sess_in", session).contains("Reused, TLS"), "resumed before any reload");

        assertTrue(sluice.reload(config(https, "", b.url())).applied());
        assertTrue(sluice.reload(config(https, "connect-timeout = 3s", b.url())).applied());
        String afterReload = openssl(port, protocol, "-sess_in", session);
        assertTrue(afterReload.contains("Reused, TLS"), "resumed after two reloads:\n" + afterReload);

        io.sluice.tls.SelfSignedCertificate.writePem(io.sluice.tls.SelfSignedCertificate.generate("RSA", List.of("localhost"),
                java.time.Duration.ofDays(1)), cert.certificate(), cert.key());
        assertTrue(sluice.reload(config(https, "", b.url())).applied());
        assertTrue(openssl(port, protocol, "-sess_in", session).contains("New, TLS"), "a renewed certificate starts new sessions");
    }

    /** One openssl s_client handshake (and a moment to take the TLS 1.3 ticket); what it printed. */
    private static String openssl(int port, String protocol, String sessionOption, Path session) throws Exception {
        Process process = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "localhost",
                protocol, sessionOption, session.toString(), "-ign_eof")
                .redirectErrorStream(true).start();
        // TLS 1.3 tickets come after the handshake: send a request and let the answer (and the ticket) arrive before quitting
        process.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().flush();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "openssl s_client did not finish");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static X509Certificate servedCertificate(int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) Http.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void addedListenersBindAndRemovedOnesStop() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP, "", a.url()));
        assertTrue(sluice.reload(config(HTTP + ", { name = extra, bind = \"127.0.0.1:0\" }", "", a.url())).applied());
        assertEquals("a", Http.get(Http.client(), sluice.uri("extra", "/")).body());
        int extraPort = sluice.port("extra");
        assertTrue(sluice.reload(config(HTTP, "", a.url())).applied());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && portAnswers(extraPort)) {
            Thread.sleep(100);
        }
        assertFalse(portAnswers(extraPort), "the removed listener still accepts connections");
    }

    @Test
    void aRequestInFlightOnARemovedListenerFinishesWhileItsPortIsClosedAtOnce() throws Exception {
        Node slow = node("slow", Node.Sessions.NONE, 1500);
        String extra = ", { name = extra, bind = \"127.0.0.1:0\" }";
        RunningSluice sluice = start(config(HTTP + extra, "", slow.url()));
        int extraPort = sluice.port("extra");
        CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(
                HttpRequest.newBuilder(sluice.uri("extra", "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        assertTrue(sluice.reload(config(HTTP, "", slow.url())).applied());
        assertFalse(portAnswers(extraPort), "the removed listener accepts new connections while it drains");
        HttpResponse<String> finished = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(200, finished.statusCode());
        assertEquals("slow", finished.body());
    }

    @Test
    void aListenerMovedToAnotherPortServesThereWhileItsRequestInFlightFinishesOnTheOld() throws Exception {
        Node slow = node("slow", Node.Sessions.NONE, 1500);
        RunningSluice sluice = start(config(HTTP, "", slow.url()));
        int oldPort = sluice.port("http");
        int newPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            newPort = probe.getLocalPort();
        }
        CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(
                HttpRequest.newBuilder(sluice.uri("http", "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        var outcome = sluice.reload(config("{ name = http, bind = \"127.0.0.1:" + newPort + "\" }", "", slow.url()));
        assertTrue(outcome.applied(), outcome.summary());
        assertTrue(outcome.summary().contains("listener http moved to 127.0.0.1:" + newPort), outcome.summary());
        assertEquals(newPort, sluice.port("http"));
        assertFalse(portAnswers(oldPort), "the old address still accepts connections");
        assertEquals("slow", Http.get(Http.client(), sluice.uri("http", "/")).body());
        HttpResponse<String> finished = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(200, finished.statusCode());
        assertEquals("slow", finished.body());
    }

    @Test
    void aKeptAliveConnectionOfARemovedListenerGets503AndClose() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP + ", { name = extra, bind = \"127.0.0.1:0\" }", "", a.url()));
        try (Socket socket = new Socket("127.0.0.1", sluice.port("extra"))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            String first = readResponse(in);
            assertTrue(first.startsWith("HTTP/1.1 200"), first);
            assertTrue(sluice.reload(config(HTTP, "", a.url())).applied());
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            String second = readResponse(in);
            assertTrue(second.startsWith("HTTP/1.1 503"), second);
            assertTrue(second.toLowerCase(Locale.ROOT).contains("connection: close"), second);
            assertEquals(-1, in.read(), "the connection stays open");
        }
    }

    /** One HTTP/1.1 response with a Content-Length body, head and body as text. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed after: " + head);
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
        return head + new String(body, StandardCharsets.ISO_8859_1);
    }

    /** What SIGTERM (systemctl stop) does: stop accepting, let requests in flight finish, then stop. */
    @Test
    void stopRefusesNewConnectionsAndLetsARequestInFlightFinish() throws Exception {
        Node slow = node("slow", Node.Sessions.NONE, 1500);
        RunningSluice sluice = start(config(HTTP, "", slow.url()));
        int port = sluice.port("http");
        CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(
                HttpRequest.newBuilder(sluice.uri("http", "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(sluice.server()::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && portAnswers(port)) {
            Thread.sleep(20);
        }
        assertFalse(portAnswers(port), "a stopping Sluice still accepts connections");
        assertFalse(stopping.isDone(), "stop returned while a request was in flight");
        HttpResponse<String> finished = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(200, finished.statusCode());
        assertEquals("slow", finished.body());
        stopping.get(20, TimeUnit.SECONDS);
    }

    private static boolean portAnswers(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aRequestInFlightFinishesOnTheGenerationItStartedOn() throws Exception {
        Node slow = node("slow", Node.Sessions.NONE, 1500);
        Node other = node("other", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP, "", slow.url()));
        CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(
                HttpRequest.newBuilder(sluice.uri("http", "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        assertTrue(sluice.reload(config(HTTP, "", other.url())).applied());
        assertEquals("other", Http.get(Http.client(), sluice.uri("http", "/")).body());
        HttpResponse<String> finished = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(200, finished.statusCode());
        assertEquals("slow", finished.body());
    }

    @Test
    void learnedSessionsCarryOver() throws Exception {
        Node a = node("a", Node.Sessions.PLAIN, 0);
        Node b = node("b", Node.Sessions.PLAIN, 0);
        String pool = "sticky.modes = [learn]";
        RunningSluice sluice = start(config(HTTP, pool, a.url(), b.url()));
        HttpClient client = Http.builder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
        String first = Http.get(client, sluice.uri("http", "/")).body();
        assertTrue(sluice.reload(config(HTTP, pool + "\nconnect-timeout = 2s", a.url(), b.url())).applied());
        assertEquals(1, sluice.server().generation().pools().get("app").learnedSessions());
        for (int i = 0; i < 10; i++) {
            assertEquals(first, Http.get(client, sluice.uri("http", "/")).body());
        }
    }

    @Test
    void aClientLoopSeesNoFailureAcrossReloads() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        Node b = node("b", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP, "", a.url(), b.url()));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        HttpClient client = Http.client();
        Thread loop = new Thread(() -> {
            while (running.get()) {
                try {
                    HttpResponse<String> response = Http.get(client, sluice.uri("http", "/"));
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
        loop.start();
        for (int i = 0; i < 6; i++) {
            Thread.sleep(250);
            String[] members = i % 2 == 0 ? new String[] {b.url(), a.url()} : new String[] {a.url(), b.url()};
            var outcome = sluice.reload(config(HTTP, "connect-timeout = " + (i + 2) + "s", members));
            assertTrue(outcome.applied(), outcome.summary());
        }
        running.set(false);
        loop.join(10_000);
        System.out.println("ReloadIT: " + ok.get() + " requests across 6 reloads, " + failures.size() + " failed");
        assertTrue(ok.get() > 50, "requests served: " + ok.get());
        assertEquals(List.of(), failures);
    }

    @Test
    void aListenerThatCannotBindRefusesTheReloadAndRollsBack() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        RunningSluice sluice = start(config(HTTP, "", a.url()));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var outcome = sluice.reload(config(HTTP + ", { name = busy, bind = \"127.0.0.1:" + taken.getLocalPort() + "\" }", "", a.url()));
            assertFalse(outcome.applied());
            assertTrue(outcome.summary().contains("cannot bind"), outcome.summary());
        }
        assertEquals("a", Http.get(Http.client(), sluice.uri("http", "/")).body());
    }

    @Test
    void sluiceReloadTalksToTheControlSocket() throws Exception {
        Node a = node("a", Node.Sessions.NONE, 0);
        Node b = node("b", Node.Sessions.NONE, 0);
        Path socket = dir.resolve("control.sock");
        String extra = "\ncontrol-socket = \"" + socket + "\"\n";
        RunningSluice sluice = start(config(HTTP, "", a.url()).replace("shutdown.drain-timeout", extra + "shutdown.drain-timeout"));
        closer.add(ControlSocket.open(socket, new Reloader(sluice.server(), sluice.file())::reload));
        java.nio.file.Files.writeString(sluice.file(), config(HTTP, "", b.url()).replace("shutdown.drain-timeout", extra + "shutdown.drain-timeout"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Sluice.execute(new String[] {"reload", "-c", sluice.file().toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Sluice.OK, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("reloaded "), out.toString(StandardCharsets.UTF_8));
        assertEquals("b", Http.get(Http.client(), sluice.uri("http", "/")).body());
        // a config that only the running process can find wrong (its port is taken): refused, exit 1
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.nio.file.Files.writeString(sluice.file(), config(HTTP + ", { name = busy, bind = \"127.0.0.1:" + taken.getLocalPort() + "\" }",
                    "", b.url()).replace("shutdown.drain-timeout", extra + "shutdown.drain-timeout"));
            err.reset();
            code = Sluice.execute(new String[] {"reload", "-c", sluice.file().toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(Sluice.INVALID_CONFIG, code);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot bind"), err.toString(StandardCharsets.UTF_8));
        }
        assertEquals("b", Http.get(Http.client(), sluice.uri("http", "/")).body());
    }
}
