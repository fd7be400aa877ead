package io.sluice.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DemoBackendTest {

    private static final Pattern COOKIE = Pattern.compile("JSESSIONID=([0-9A-F]{32})\\.n1; Path=/; HttpOnly");

    private static DemoBackend node;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        node = DemoBackend.start("127.0.0.1", 0, "n1");
        client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> get(String pathAndQuery, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(5));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bindsAnEphemeralPort() {
        assertTrue(node.port() > 0);
        assertEquals("n1", node.jvmRoute());
    }

    @Test
    void startsASessionAndCountsWithinIt() throws Exception {
        HttpResponse<String> first = get("/is-x/a?b=1&c", null);
        assertEquals(200, first.statusCode());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        Matcher m = COOKIE.matcher(setCookie);
        assertTrue(m.matches(), setCookie);
        String session = m.group(1) + ".n1";
        assertEquals("node=n1 session=" + session + " count=1 path=/is-x/a?b=1&c\n", first.body());

        HttpResponse<String> second = get("/y", "JSESSIONID=" + session);
        assertFalse(second.headers().firstValue("Set-Cookie").isPresent());
        assertEquals("node=n1 session=" + session + " count=2 path=/y\n", second.body());
    }

    @Test
    void aSessionFromAnotherNodeStartsANewOne() throws Exception {
        HttpResponse<String> r = get("/", "JSESSIONID=ABCDEF.n2; other=1");
        Matcher m = COOKIE.matcher(r.headers().firstValue("Set-Cookie").orElseThrow());
        assertTrue(m.matches());
        assertNotEquals("ABCDEF", m.group(1));
        assertTrue(r.body().startsWith("node=n1 session=" + m.group(1) + ".n1 count=1 "), r.body());
    }

    @Test
    void anUnknownIdWithOurRouteStartsANewOneToo() throws Exception {
        HttpResponse<String> r = get("/", "JSESSIONID=DEADBEEF.n1");
        assertTrue(r.headers().firstValue("Set-Cookie").isPresent());
        assertTrue(r.body().contains(" count=1 "), r.body());
    }

    @Test
    void healthNeedsNoSession() throws Exception {
        int before = node.sessionCount();
        HttpResponse<String> r = get("/health", null);
        assertEquals(200, r.statusCode());
        assertEquals("ok", r.body());
        assertFalse(r.headers().firstValue("Set-Cookie").isPresent());
        assertEquals(before, node.sessionCount());
    }

    @Test
    void refusesRoutesThatWouldBreakTheCookie() {
        assertThrows(IllegalArgumentException.class, () -> DemoBackend.start("127.0.0.1", 0, "a.b"));
        assertThrows(IllegalArgumentException.class, () -> DemoBackend.start("127.0.0.1", 0, ""));
        assertThrows(IllegalArgumentException.class, () -> DemoBackend.start("127.0.0.1", 0, "a b"));
    }
}
