package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.RawHttp;
import io.sluice.testing.RawHttp2;
import io.sluice.testing.RunningSluice;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests built to slip past routing or split into two requests on the way to an
 * HTTP/1.1 backend: every one is refused or routed as the backend (Tomcat) would resolve it.
 */
class RequestSafetyIT {
    @TempDir
    static Path dir;
    static MockWebServer backend;
    static RunningSluice sluice;

    @BeforeAll
    static void start() throws Exception {
        backend = new MockWebServer();
        backend.start(InetAddress.getLoopbackAddress(), 0);
        sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = plain, bind = "127.0.0.1:0", h2c = on } ]
                  routes = [
                    { prefix = "/carbon", status = 403 }
                    { prefix = "/balancer-manager", status = 404 }
                    { prefix = "/", host = "admin.example.com", status = 403 }
                    { prefix = "/is-", pool = app, rewrite = "/app/" }
                    { prefix = "/", pool = app }
                  ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                }
                """.formatted(backend.getPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        sluice.close();
        backend.close();
    }

    @BeforeEach
    void drainAndAnswer() throws Exception {
        while (backend.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
            // requests of earlier tests
        }
        for (int i = 0; i < 4; i++) {
            backend.enqueue(new MockResponse.Builder().body("ok").build());
        }
    }

    private static List<String> backendTargets() throws Exception {
        List<String> targets = new ArrayList<>();
        RecordedRequest request;
        while ((request = backend.takeRequest(300, TimeUnit.MILLISECONDS)) != null) {
            targets.add(request.getTarget());
        }
        return targets;
    }

    private static int status(String requestLine, String host) throws Exception {
        return RawHttp.status(RawHttp.exchange(sluice.address("plain"), requestLine + "\nHost: " + host + "\nConnection: close\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"//carbon/admin", "/;x/carbon/admin", "/carbon;x/admin", "//balancer-manager", "/./carbon"})
    void slashAndParameterTricksMeetTheRouteTomcatWouldServe(String path) throws Exception {
        int status = status("GET " + path + " HTTP/1.1", "sso.example.com");
        assertTrue(status == 403 || status == 404 || status == 400, path + " -> " + status);
        assertEquals(List.of(), backendTargets());
    }

    @Test
    void hostInAbsoluteFormWithTrailingDotStillMatches() throws Exception {
        assertEquals(403, status("GET / HTTP/1.1", "admin.example.com."));
        assertEquals(403, status("GET / HTTP/1.1", "ADMIN.example.com"));
        assertEquals(List.of(), backendTargets());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/is-../secret", "/is-..;x/secret", "/is-%2e%2e/secret", "/is-.%2E/secret"})
    void thePrefixJoinCannotCreateADotSegment(String path) throws Exception {
        assertEquals(400, status("GET " + path + " HTTP/1.1", "sso.example.com"));
        assertEquals(List.of(), backendTargets());
    }

    @Test
    void slashesAreMergedOnTheWayToTheBackend() throws Exception {
        assertEquals(200, status("GET //is-a//b?x=1 HTTP/1.1", "sso.example.com"));
        assertEquals(List.of("/app/a/b?x=1"), backendTargets());
    }

    @Test
    void http2HeaderValueWithCrLfCannotSmuggleASecondRequest() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/inj",
                Map.of("x-a", "a\r\n\r\nGET /carbon/admin HTTP/1.1\r\nHost: x\r\nX-Ignore: y"));
        assertNotEquals(200, status);
        List<String> targets = backendTargets();
        assertTrue(targets.stream().noneMatch(target -> target.contains("carbon") || target.contains("inj")), targets.toString());
    }

    @Test
    void http2QueryWithCrLfIsRefused() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "http", "/q?a=1\r\nX-Evil: 1", Map.of());
        assertNotEquals(200, status);
        assertTrue(backendTargets().stream().noneMatch(target -> target.startsWith("/q")));
    }

    @Test
    void http2SchemeCannotForgeXForwardedProto() throws Exception {
        int status = RawHttp2.request(sluice.address("plain"), "GET", "https", "/scheme", Map.of());
        assertEquals(200, status);
        RecordedRequest recorded = null;
        RecordedRequest next;
        while ((next = backend.takeRequest(300, TimeUnit.MILLISECONDS)) != null) {
            if (next.getTarget().equals("/scheme")) {
                recorded = next;
            }
        }
        assertTrue(recorded != null, "the request reached the backend");
        assertEquals("http", recorded.getHeaders().get("X-Forwarded-Proto"));
        assertEquals("80", recorded.getHeaders().get("X-Forwarded-Port"));
    }

    @Test
    void requestIdThatCouldForgeLogFieldsIsReplaced() throws Exception {
        RawHttp.exchange(sluice.address("plain"), "GET /rid HTTP/1.1\nHost: x\nX-Request-ID: a member=node9 sticky=hit\nConnection: close\n");
        RecordedRequest recorded = backend.takeRequest(5, TimeUnit.SECONDS);
        String id = recorded.getHeaders().get("X-Request-ID");
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        RawHttp.exchange(sluice.address("plain"), "GET /rid HTTP/1.1\nHost: x\nX-Request-ID: 4bf92f3577b34da6-a3ce929d0e0e4736\nConnection: close\n");
        assertEquals("4bf92f3577b34da6-a3ce929d0e0e4736", backend.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("X-Request-ID"));
    }
}
