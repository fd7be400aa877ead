package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.Closer;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.undertow.server.handlers.BlockingHandler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Request bodies streamed through Sluice, and limits.max-body-size. */
class UploadIT {
    private static final int MIB = 1024 * 1024;
    private static UndertowBackend backend;
    /** One line per backend request: "bytes sha256 framing", or "failed ..." when reading the body broke. */
    private static final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();
    private RunningSluice sluice;

    @BeforeAll
    static void startBackend() {
        backend = UndertowBackend.http(new BlockingHandler(exchange -> {
            String framing = exchange.getRequestHeaders().contains("Content-Length")
                    ? "length=" + exchange.getRequestHeaders().getFirst("Content-Length")
                    : "chunked=" + exchange.getRequestHeaders().getFirst("Transfer-Encoding");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long total = 0;
            try (InputStream in = exchange.getInputStream()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    sha.update(buffer, 0, n);
                    total += n;
                }
            } catch (IOException e) {
                seen.add("failed after " + total + " bytes: " + e);
                throw e;
            }
            String line = total + " " + HexFormat.of().formatHex(sha.digest()) + " " + framing;
            seen.add(line);
            exchange.getResponseSender().send(line);
        }));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String extra) throws Exception {
        sluice = closer.add(RunningSluice.start(dir, E2eSupport.config("{ name = plain, bind = \"127.0.0.1:0\" }", extra, "",
                "http://127.0.0.1:" + backend.port())));
        seen.clear();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private HttpResponse<String> post(byte[] body, boolean chunked) throws Exception {
        HttpRequest.BodyPublisher publisher = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return Http.client().send(HttpRequest.newBuilder(sluice.uri("plain", "/upload"))
                .timeout(Duration.ofSeconds(30)).POST(publisher).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tenMebibytesReachTheBackendIntactByDefault() throws Exception {
        start("");
        byte[] body = random(10 * MIB, 1);
        String expected = body.length + " " + sha256(body);

        HttpResponse<String> sized = post(body, false);
        assertEquals(200, sized.statusCode(), sized.body());
        assertEquals(expected + " length=" + body.length, sized.body());

        HttpResponse<String> chunked = post(body, true);
        assertEquals(200, chunked.statusCode(), chunked.body());
        assertEquals(expected + " chunked=chunked", chunked.body());
        assertEquals(HttpClient.Version.HTTP_1_1, chunked.version());
    }

    @Test
    void bodiesWithinMaxBodySizePass() throws Exception {
        start("limits { max-body-size = 1MiB }");
        byte[] small = random(512 * 1024, 2);
        String expected = small.length + " " + sha256(small);

        HttpResponse<String> sized = post(small, false);
        assertEquals(200, sized.statusCode(), sized.body());
        assertEquals(expected + " length=" + small.length, sized.body());

        HttpResponse<String> chunked = post(small, true);
        assertEquals(200, chunked.statusCode(), chunked.body());
        assertEquals(expected + " chunked=chunked", chunked.body());
    }

    /**
     * A declared Content-Length above max-body-size can be refused from the head alone: 413 Content
     * Too Large (RFC 9110 15.5.14), without opening a request to the backend (nginx client_max_body_size).
     * Observed instead: 502 Bad Gateway (503 before ResponseRewriting's gateway-status correction)
     * with Connection: close and an empty body, or, when the client is still sending, a connection
     * closed without any response; in both cases after the backend got the request head and then a
     * closed connection (the proxy logs UT005028 ... ClosedChannelException).
     */
    @Test
    void declaredBodyOverMaxBodySizeGets413AndNeverReachesTheBackend() throws Exception {
        start("limits { max-body-size = 1MiB }");
        byte[] large = random(2 * MIB, 3);
        int before = backend.requests();

        String outcome;
        try {
            outcome = "status " + post(large, false).statusCode();
        } catch (IOException e) {
            outcome = "connection closed without a response: " + e.getMessage();
        }

        assertEquals("status 413", outcome, "answer to a 2 MiB body over a 1 MiB limit");
        assertEquals(before, backend.requests(), "the backend was sent a request it can never get whole: " + seen);
    }

    /**
     * A chunked body has no declared size: Sluice can only notice the limit while streaming. It must
     * then not let the backend take the part it already got as a complete request: the backend
     * connection is reset before the final chunk, and the client gets 413 (or, when it is still
     * sending, a closed connection).
     */
    @Test
    void chunkedBodyOverMaxBodySizeIsNeverDeliveredTruncated() throws Exception {
        start("limits { max-body-size = 1MiB }");
        byte[] large = random(2 * MIB, 4);

        String outcome;
        try {
            HttpResponse<String> response = post(large, true);
            outcome = "status " + response.statusCode();
        } catch (IOException e) {
            outcome = "connection failed: " + e;
        }
        List<String> backendSaw = new ArrayList<>();
        for (String line = seen.poll(2, TimeUnit.SECONDS); line != null; line = seen.poll(300, TimeUnit.MILLISECONDS)) {
            backendSaw.add(line);
        }

        assertTrue(outcome.equals("status 413") || outcome.startsWith("connection failed"),
                "a 2 MiB upload over a 1 MiB limit: " + outcome);
        assertTrue(backendSaw.stream().allMatch(line -> line.startsWith("failed")),
                "the backend took a body as a complete request: " + backendSaw + " (sent " + large.length
                        + " bytes chunked; client: " + outcome + ")");
    }
}
