package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RecordingBackend;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.WireHttp;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request-rate limits against a real backend: a client over its rate gets 429 with
 * Retry-After and the member never sees the request; a route's limit applies to that route
 * only; behind a trusted proxy each forwarded client has its own bucket, while an
 * untrusted peer cannot pick a bucket with X-Forwarded-For. Rates are per minute, so no
 * assertion depends on how fast the test runs.
 */
class RateLimitIT {
    @TempDir
    Path dir;

    private static int status(int port, String path, String... headers) throws Exception {
        List<String> lines = new ArrayList<>(List.of(headers));
        lines.add(0, "Host: app");
        return WireHttp.get(port, path, lines.toArray(String[]::new)).status();
    }

    @Test
    void aClientOverItsRateGets429AndTheMemberNeverSeesTheRequest() throws Exception {
        try (RecordingBackend member = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       rate-limit { per-client = "1/m", burst = 2 }
                       routes = [ { prefix = "/", pool = app } ]
                       pools { app { members = [ { url = "%s" } ] } }
                       admin { bind = "127.0.0.1:0", open-read = on }
                     }
                     """.formatted(member.url()))) {
            int port = sluice.port("http");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, status(port, "/ok" + i));
            }
            WireHttp.Response refused = WireHttp.get(port, "/over", "Host: app");
            assertEquals(429, refused.status());
            long retryAfter = Long.parseLong(refused.header("Retry-After"));
            assertTrue(retryAfter > 0 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertTrue(member.requests().stream().noneMatch(r -> r.path().equals("/over")));
            URI metrics = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
            assertEquals(1, MetricsIT.value(Http.get(Http.client(), metrics).body(), "sluice_rate_limited_total{scope=\"sluice\"}"));
        }
    }

    /** A reload that leaves a limit's settings as they were keeps its buckets: nobody gets a fresh burst. */
    @Test
    void aReloadKeepsTheBucketsOfUnchangedLimitsAndAChangedLimitStartsAnew() throws Exception {
        String config = """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  rate-limit { per-client = "1/m", burst = 1 }
                  routes = [ { prefix = "/", pool = app }
                             { prefix = "/api/", pool = app, rate-limit { per-client = "1/m", burst = 0 } } ]
                  pools { app { members = [ { url = "%s" }, %s ] } }
                }
                """;
        try (RecordingBackend member = RecordingBackend.answering("ok");
             RecordingBackend other = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, config.formatted(member.url(), ""))) {
            int port = sluice.port("http");
            assertEquals(200, status(port, "/api/a"));
            assertEquals(200, status(port, "/b"));
            assertEquals(429, status(port, "/c"), "the Sluice-wide burst is spent");
            assertTrue(sluice.reload(config.formatted(member.url(), "{ url = \"" + other.url() + "\" }")).applied());
            assertEquals(429, status(port, "/d"), "the Sluice-wide limit kept its buckets across the reload");
            assertTrue(sluice.reload(config.replace("burst = 1", "burst = 3").formatted(member.url(), "")).applied());
            assertEquals(200, status(port, "/e"), "changed settings start new buckets");
        }
    }

    @Test
    void aRoutesLimitAppliesToThatRouteOnly() throws Exception {
        try (RecordingBackend member = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       routes = [
                         { prefix = "/", pool = app }
                         { prefix = "/token", pool = app, rate-limit { total = "1/m", burst = 1 } }
                       ]
                       pools { app { members = [ { url = "%s" } ] } }
                     }
                     """.formatted(member.url()))) {
            int port = sluice.port("http");
            assertEquals(200, status(port, "/token"));
            assertEquals(200, status(port, "/token"));
            assertEquals(429, status(port, "/token"));
            for (int i = 0; i < 5; i++) {
                assertEquals(200, status(port, "/other"), "other routes are not limited");
            }
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBucket() throws Exception {
        try (RecordingBackend member = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       trusted-proxies = ["127.0.0.1/32"]
                       rate-limit { per-client = "1/m" }
                       routes = [ { prefix = "/", pool = app } ]
                       pools { app { members = [ { url = "%s" } ] } }
                     }
                     """.formatted(member.url()))) {
            int port = sluice.port("http");
            assertEquals(200, status(port, "/a", "X-Forwarded-For: 198.51.100.7"));
            assertEquals(429, status(port, "/a", "X-Forwarded-For: 198.51.100.7"));
            // a chain: the client, then a trusted proxy that forwarded it
            assertEquals(200, status(port, "/b", "X-Forwarded-For: 203.0.113.9, 127.0.0.1"));
            assertEquals(429, status(port, "/b", "X-Forwarded-For: 203.0.113.9"));
        }
    }

    @Test
    void anUntrustedPeerCannotChooseItsBucket() throws Exception {
        try (RecordingBackend member = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       rate-limit { per-client = "1/m" }
                       routes = [ { prefix = "/", pool = app } ]
                       pools { app { members = [ { url = "%s" } ] } }
                     }
                     """.formatted(member.url()))) {
            int port = sluice.port("http");
            assertEquals(200, status(port, "/", "X-Forwarded-For: 198.51.100.1"));
            assertEquals(429, status(port, "/", "X-Forwarded-For: 198.51.100.2"));
        }
    }
}
