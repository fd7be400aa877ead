package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A redirect from one pool naming another pool's member (APIM sending the browser to IS's
 * own origin for /commonauth) reaches the client on the public origin, mapped through the
 * other pool's route, as the seed's hand-written ProxyPassReverse lines did.
 */
class CrossPoolRedirectIT {
    @TempDir
    Path dir;

    @Test
    void aRedirectToAnotherPoolsMemberIsMappedThroughThatPoolsRoute() throws Exception {
        try (MockWebServer is = new MockWebServer(); MockWebServer apim = new MockWebServer()) {
            is.start(InetAddress.getLoopbackAddress(), 0);
            apim.start(InetAddress.getLoopbackAddress(), 0);
            apim.enqueue(new MockResponse.Builder().code(302)
                    .addHeader("Location", "http://127.0.0.1:" + is.getPort() + "/commonauth?sessionDataKey=k1").build());
            apim.enqueue(new MockResponse.Builder().code(302)
                    .addHeader("Set-Cookie", "JSESSIONID=s1; Path=/ctx").addHeader("Location", "/ctx").build());
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [
                        { prefix = "/is-", pool = is, rewrite = "/" }
                        { prefix = "/apim-", pool = apim, rewrite = "/" }
                        { prefix = "/console/", pool = console, rewrite = "/" }
                      ]
                      pools {
                        is { members = [ { url = "http://127.0.0.1:%d" } ] }
                        apim { members = [ { url = "http://127.0.0.1:%d" } ] }
                        console { members = [ { url = "http://127.0.0.1:%d/ctx" } ] }
                      }
                    }
                    """.formatted(is.getPort(), apim.getPort(), apim.getPort()))) {
                HttpResponse<String> authorize = Http.get(Http.client(), sluice.localhostUri("http", "/apim-oauth2/authorize"));
                assertEquals(302, authorize.statusCode());
                String publicOrigin = "http://localhost:" + sluice.port("http");
                assertEquals(publicOrigin + "/is-commonauth?sessionDataKey=k1", authorize.headers().firstValue("Location").orElseThrow());

                HttpResponse<String> context = Http.get(Http.client(), sluice.localhostUri("http", "/console/"));
                assertEquals("/console/", context.headers().firstValue("Location").orElseThrow());
                assertEquals("JSESSIONID=s1; Path=/console", context.headers().firstValue("Set-Cookie").orElseThrow());
            }
        }
    }

    @Test
    void aRedirectToAnUnlistedLocalOriginIsCountedAsALeak() throws Exception {
        try (MockWebServer is = new MockWebServer()) {
            is.start(InetAddress.getLoopbackAddress(), 0);
            is.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "https://localhost:9443/commonauth?x=1").build());
            is.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "https://www.example.com/elsewhere").build());
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [ { prefix = "/", pool = is } ]
                      pools { is { members = [ { url = "http://127.0.0.1:%d" } ] } }
                      admin { bind = "127.0.0.1:0", open-read = on }
                    }
                    """.formatted(is.getPort()))) {
                HttpResponse<String> leaked = Http.get(Http.client(), sluice.uri("http", "/login"));
                assertEquals("https://localhost:9443/commonauth?x=1", leaked.headers().firstValue("Location").orElseThrow());
                Http.get(Http.client(), sluice.uri("http", "/away")); // a public site: no leak
                java.net.URI metrics = java.net.URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
                assertEquals(1, MetricsIT.value(Http.get(Http.client(), metrics).body(), "sluice_pool_redirect_leaks_total{pool=\"is\"}"));
            }
        }
    }
}
