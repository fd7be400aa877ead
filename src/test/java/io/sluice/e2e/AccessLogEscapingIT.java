package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.log.AccessLogHandler;
import io.sluice.testing.RawHttp2;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.WireHttp;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The access log as written by the real "sluice.access" logger: every field a client
 * controls is escaped NGINX-style, so no request can end a line, forge a field or
 * smuggle a control character into the log, whether it was served or refused.
 */
class AccessLogEscapingIT {
    @TempDir
    static Path dir;
    static MockWebServer backend;
    static RunningSluice sluice;
    static ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        backend = new MockWebServer();
        backend.start(InetAddress.getLoopbackAddress(), 0);
        for (int i = 0; i < 8; i++) {
            backend.enqueue(new MockResponse.Builder().body("ok").build());
        }
        sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = plain, bind = "127.0.0.1:0", h2c = on } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                }
                """.formatted(backend.getPort()));
        lines.start();
        ((Logger) LoggerFactory.getLogger(AccessLogHandler.LOGGER_NAME)).addAppender(lines);
    }

    @AfterAll
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(AccessLogHandler.LOGGER_NAME)).detachAppender(lines);
        sluice.close();
        backend.close();
    }

    /** The access line of the request for this path (written when the exchange completes). */
    private static String lineFor(String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            List<String> found;
            synchronized (lines) {
                found = lines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains(path)).toList();
            }
            if (!found.isEmpty()) {
                assertEquals(1, found.size(), found.toString());
                return found.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access line for " + path);
    }

    private static void assertPlainAscii(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            assertTrue(c >= 0x20 && c < 0x7f, "character " + (int) c + " at " + i + " in " + line);
        }
    }

    @Test
    void http2RequestIdWithCrLfCannotForgeALine() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/h2-forged-rid",
                Map.of("x-request-id", "a\r\n10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET /admin HTTP/1.1\" 200"));
        assertEquals(400, status);
        String line = lineFor("/h2-forged-rid");
        assertTrue(line.endsWith(" rid=a\\x0D\\x0A10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \\x22GET /admin HTTP/1.1\\x22 200"), line);
        assertPlainAscii(line);
    }

    @Test
    void http2ValueWithDelAndQuoteIsEscapedEvenWhenRefused() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/h2-del-agent", Map.of("user-agent", "x\u007f\"y"));
        assertEquals(400, status);
        String line = lineFor("/h2-del-agent");
        assertTrue(line.contains(" \"x\\x7F\\x22y\" listener=plain"), line);
        assertPlainAscii(line);
    }

    @Test
    void http1QuotesBackslashesAndObsTextAreEscaped() throws Exception {
        // Undertow's parser refuses " and \ in the request target, but takes them in header values
        WireHttp.Response response = WireHttp.get(sluice.port("plain"), "/h1-agent?q=1", "Host: x",
                "User-Agent: a\"b\\c \u00e9", "Referer: http://r/\" forged=1", "X-Request-ID: plain-id.1", "Connection: close");
        assertEquals(200, response.status());
        String line = lineFor("/h1-agent");
        assertTrue(line.contains("\"GET /h1-agent?q=1 HTTP/1.1\" 200 "), line);
        assertTrue(line.contains(" \"http://r/\\x22 forged=1\" \"a\\x22b\\x5Cc \\xE9\" listener=plain"), line);
        assertTrue(line.endsWith(" rid=plain-id.1"), line);
        assertPlainAscii(line);
    }
}
