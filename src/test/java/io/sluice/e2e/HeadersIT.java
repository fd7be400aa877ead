package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.RunningSluice;
import io.sluice.testing.WireHttp;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request and response header hygiene, seen from both ends: raw bytes from the client
 * (no client library filtering headers) and what a MockWebServer backend recorded.
 */
class HeadersIT {
    private static final String[] SPOOFED = {
        "X-Forwarded-For: 6.6.6.6",
        "X-Forwarded-Host: evil.example",
        "X-Forwarded-Proto: https",
        "X-Forwarded-Port: 1",
        "X-Forwarded-Server: evil-server",
        "X-Forwarded-Prefix: /evil",
        "Forwarded: for=9.9.9.9",
        "X-Real-IP: 7.7.7.7",
    };

    private static MockWebServer backend;

    @TempDir
    Path dir;
    private RunningSluice sluice;

    @BeforeAll
    static void startBackend() throws Exception {
        backend = new MockWebServer();
        backend.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterAll
    static void stopBackend() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void drain() throws Exception {
        while (backend.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
            // requests earlier tests left in the queue
        }
    }

    @AfterEach
    void stopSluice() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private void start(String extra) throws Exception {
        sluice = RunningSluice.start(dir, E2eSupport.config("{ name = plain, bind = \"127.0.0.1:0\" }", extra, "",
                "http://127.0.0.1:" + backend.getPort()));
    }

    /** Sends GET path with these header lines (Host first) and returns what the backend recorded. */
    private Headers proxied(String path, String... headerLines) throws Exception {
        backend.enqueue(new MockResponse.Builder().body("ok").build());
        WireHttp.Response response = WireHttp.get(sluice.port("plain"), path, headerLines);
        assertEquals(200, response.status(), response.toString());
        assertEquals("ok", response.bodyText());
        RecordedRequest recorded = backend.takeRequest(5, TimeUnit.SECONDS);
        assertNotNull(recorded, "the backend got no request");
        assertEquals(path, recorded.getTarget());
        return recorded.getHeaders();
    }

    private static String[] lines(String first, String... rest) {
        List<String> lines = new ArrayList<>();
        lines.add(first);
        lines.addAll(List.of(rest));
        return lines.toArray(new String[0]);
    }

    @Test
    void untrustedPeerCannotSpoofForwardingHeaders() throws Exception {
        start("");
        Headers seen = proxied("/fwd", lines("Host: public.example:8443", SPOOFED));

        assertEquals(List.of("127.0.0.1"), seen.values("X-Forwarded-For"));
        // Undertow's proxy sets X-Forwarded-Host to the Host header's host name, without the port,
        // and X-Forwarded-Port to that port.
        assertEquals(List.of("public.example"), seen.values("X-Forwarded-Host"));
        assertEquals(List.of("8443"), seen.values("X-Forwarded-Port"));
        assertEquals(List.of("http"), seen.values("X-Forwarded-Proto"));
        assertEquals(List.of("public.example"), seen.values("X-Forwarded-Server"));
        assertNull(seen.get("Forwarded"));
        assertNull(seen.get("X-Real-IP"));
        assertNull(seen.get("X-Forwarded-Prefix"));
        assertEquals("public.example:8443", seen.get("Host"), "Host is preserved by default");
    }

    /** X-Forwarded-Port describes the public URL the client used (Host without port: 80 on http), not the bound port. */
    @Test
    void untrustedPeerWithoutPortInHostGetsTheSchemesDefaultPort() throws Exception {
        start("");
        Headers seen = proxied("/fwd-noport", "Host: public.example", "X-Forwarded-Port: 1");
        assertEquals(List.of("public.example"), seen.values("X-Forwarded-Host"));
        assertEquals("public.example", seen.get("Host"));
        assertEquals(List.of("80"), seen.values("X-Forwarded-Port"));
    }

    @Test
    void trustedProxyHeadersAreKeptAndAppendedTo() throws Exception {
        start("trusted-proxies = [\"127.0.0.1/32\"]");
        Headers seen = proxied("/trusted", lines("Host: public.example:8443", SPOOFED));

        // Undertow appends the peer with "," and no space: consistent with what it writes itself.
        assertEquals(List.of("6.6.6.6,127.0.0.1"), seen.values("X-Forwarded-For"));
        assertEquals(List.of("evil.example"), seen.values("X-Forwarded-Host"));
        assertEquals(List.of("https"), seen.values("X-Forwarded-Proto"));
        assertEquals(List.of("for=9.9.9.9"), seen.values("Forwarded"));
        assertEquals(List.of("7.7.7.7"), seen.values("X-Real-IP"));
        assertEquals(List.of("/evil"), seen.values("X-Forwarded-Prefix"));
        assertEquals("public.example:8443", seen.get("Host"));

        // A trusted peer that sends no X-Forwarded-For gets one with just itself.
        Headers plain = proxied("/trusted-plain", "Host: public.example");
        assertEquals(List.of("127.0.0.1"), plain.values("X-Forwarded-For"));
        assertEquals(List.of("http"), plain.values("X-Forwarded-Proto"));
    }

    /**
     * RFC 9110 5.3: several X-Forwarded-For field lines are one comma-separated list. A trusted
     * proxy in front may add its own line instead of appending; every hop must survive.
     */
    @Test
    void trustedProxyXForwardedForOnSeveralLinesKeepsEveryHop() throws Exception {
        start("trusted-proxies = [\"127.0.0.1/32\"]");
        Headers seen = proxied("/trusted-lines", "Host: public.example",
                "X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.2");
        String chain = String.join(",", seen.values("X-Forwarded-For")).replace(" ", "");
        assertEquals("1.1.1.1,2.2.2.2,127.0.0.1", chain);
    }

    /** A peer outside the trusted CIDRs is untrusted even when some are configured. */
    @Test
    void peerOutsideTrustedProxiesIsNotTrusted() throws Exception {
        start("trusted-proxies = [\"10.0.0.0/8\", \"::1/128\"]");
        Headers seen = proxied("/not-trusted", lines("Host: public.example", SPOOFED));
        assertEquals(List.of("127.0.0.1"), seen.values("X-Forwarded-For"));
        assertEquals(List.of("public.example"), seen.values("X-Forwarded-Host"));
        assertNull(seen.get("Forwarded"));
        assertNull(seen.get("X-Real-IP"));
    }

    @Test
    void hopByHopRequestHeadersNeverReachTheBackend() throws Exception {
        start("");
        Headers seen = proxied("/hop", "Host: public.example",
                "Connection: keep-alive, X-Secret",
                "X-Secret: s",
                "Keep-Alive: timeout=5",
                "TE: trailers",
                "Proxy-Authorization: Basic eDp5",
                "Proxy-Connection: keep-alive",
                "Trailer: X-Checksum",
                "Upgrade: something",
                "X-End-To-End: kept");

        for (String hop : List.of("X-Secret", "Keep-Alive", "TE", "Proxy-Authorization", "Proxy-Connection", "Trailer", "Upgrade")) {
            assertNull(seen.get(hop), hop + " reached the backend: " + seen);
        }
        String connection = seen.get("Connection");
        assertTrue(connection == null || !connection.toLowerCase(Locale.ROOT).contains("x-secret"), "Connection: " + connection);
        assertEquals("kept", seen.get("X-End-To-End"), "an end-to-end header is forwarded");
    }

    @Test
    void hopByHopResponseHeadersNeverReachTheClient() throws Exception {
        start("");
        backend.enqueue(new MockResponse.Builder()
                .addHeader("Connection", "close, X-Internal")
                .addHeader("X-Internal", "1")
                .addHeader("Keep-Alive", "timeout=1")
                .addHeader("Proxy-Authenticate", "Basic realm=\"internal\"")
                .addHeader("X-Public", "yes")
                .body("from backend")
                .build());

        WireHttp.Response response = WireHttp.get(sluice.port("plain"), "/hop-response", "Host: public.example");

        assertEquals(200, response.status(), response.toString());
        assertEquals("from backend", response.bodyText());
        assertEquals("yes", response.header("X-Public"), response.toString());
        assertFalse(response.has("X-Internal"), response.toString());
        assertFalse(response.has("Keep-Alive"), response.toString());
        assertFalse(response.has("Proxy-Authenticate"), response.toString());
        String connection = response.header("Connection");
        assertTrue(connection == null || !connection.toLowerCase(Locale.ROOT).contains("x-internal"), response.toString());
        assertNotNull(backend.takeRequest(5, TimeUnit.SECONDS));
    }

    @Test
    void requestIdIsAddedWhenAbsentAndKeptWhenSent() throws Exception {
        start("");
        String first = proxied("/rid", "Host: public.example").get("X-Request-ID");
        String second = proxied("/rid", "Host: public.example").get("X-Request-ID");
        assertNotNull(first);
        assertTrue(first.matches("[0-9a-f]{32}"), first);
        assertTrue(second.matches("[0-9a-f]{32}"), second);
        assertNotEquals(first, second, "each request gets its own id");

        Headers own = proxied("/rid", "Host: public.example", "X-Request-ID: client-chosen-42");
        assertEquals(List.of("client-chosen-42"), own.values("X-Request-ID"));
    }

    @Test
    void requestIdHeaderNameIsConfigurableAndCanBeOff() throws Exception {
        start("headers { request-id = X-Correlation-ID }");
        Headers seen = proxied("/cid", "Host: public.example");
        assertTrue(String.valueOf(seen.get("X-Correlation-ID")).matches("[0-9a-f]{32}"), seen.toString());
        assertNull(seen.get("X-Request-ID"));
        sluice.close();
        sluice = null;

        start("headers { request-id = \"\" }");
        Headers none = proxied("/no-id", "Host: public.example");
        assertNull(none.get("X-Request-ID"), none.toString());
    }

    @Test
    void preserveHostOffSendsTheMembersHostAndKeepsTheClientsInXForwardedHost() throws Exception {
        start("headers { preserve-host = off }");
        Headers seen = proxied("/host", "Host: public.example:8443");
        assertEquals("127.0.0.1:" + backend.getPort(), seen.get("Host"));
        // Observed: with preserve-host off Undertow copies the whole client Host, port included, into
        // X-Forwarded-Host (with preserve-host on it writes the host name only, see above).
        assertEquals(List.of("public.example:8443"), seen.values("X-Forwarded-Host"));
        assertEquals(List.of("8443"), seen.values("X-Forwarded-Port"));
        assertEquals(List.of("127.0.0.1"), seen.values("X-Forwarded-For"));
    }
}
