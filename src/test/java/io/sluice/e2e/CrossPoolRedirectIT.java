package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.testing.Http;
import io.sluice.testing.RawHttp;
import io.sluice.testing.UndertowBackend;
import io.undertow.util.Headers;
import io.sluice.testing.RunningSluice;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * Routes bound to hosts: a redirect or cookie path maps through the routes of the host
     * the request came for, also when two routes on different hosts send traffic to one
     * pool, or to pools that share a member origin.
     */
    @Test
    void aRedirectMapsThroughTheRouteOfTheRequestsOwnHost() throws Exception {
        int[] isPort = new int[1];
        try (UndertowBackend is = UndertowBackend.http(exchange -> {
                 exchange.setStatusCode(302);
                 exchange.getResponseHeaders().put(Headers.LOCATION, "http://127.0.0.1:" + isPort[0] + "/commonauth?sessionDataKey=k");
                 exchange.getResponseHeaders().put(Headers.SET_COOKIE, "commonAuthId=c; Path=/t/wso2.com/; HttpOnly");
             });
             UndertowBackend apim = UndertowBackend.http(exchange -> {
                 exchange.setStatusCode(302);
                 exchange.getResponseHeaders().put(Headers.LOCATION, "http://127.0.0.1:" + isPort[0] + "/oauth2/authorize?client_id=x");
             })) {
            isPort[0] = is.port();
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [
                        { host = a.example, prefix = "/", pool = is }
                        { host = b.example, prefix = "/sso/", pool = is, rewrite = "/" }
                        { host = c.example, prefix = "/publisher", pool = apim }
                        { host = c.example, prefix = "/c-is/", pool = is-c, rewrite = "/" }
                        { host = d.example, prefix = "/publisher", pool = apim }
                        { host = d.example, prefix = "/d-is/", pool = is-d, rewrite = "/" }
                        { prefix = "/any-is/", pool = is, rewrite = "/" }
                      ]
                      pools {
                        is { members = [ { url = "http://127.0.0.1:%1$d" } ] }
                        is-c { members = [ { url = "http://127.0.0.1:%1$d" } ] }
                        is-d { members = [ { url = "http://127.0.0.1:%1$d" } ] }
                        apim { members = [ { url = "http://127.0.0.1:%2$d" } ] }
                      }
                    }
                    """.formatted(is.port(), apim.port()))) {
                int port = sluice.port("http");
                assertEquals(List.of("http://a.example:" + port + "/commonauth?sessionDataKey=k", "commonAuthId=c; Path=/t/wso2.com/; HttpOnly"),
                        redirectAndCookie(sluice, "a.example", "/login"));
                assertEquals(List.of("http://b.example:" + port + "/sso/commonauth?sessionDataKey=k",
                        "commonAuthId=c; Path=/sso/t/wso2.com/; HttpOnly"), redirectAndCookie(sluice, "b.example", "/sso/login"));
                assertEquals(List.of("http://c.example:" + port + "/c-is/oauth2/authorize?client_id=x", ""),
                        redirectAndCookie(sluice, "c.example", "/publisher/services/auth/login"), "through c's IS route, not d's");
                assertEquals(List.of("http://D.Example.:" + port + "/d-is/oauth2/authorize?client_id=x", ""),
                        redirectAndCookie(sluice, "D.Example.", "/publisher/services/auth/login"), "through d's IS route, not c's");
                assertEquals(List.of("http://e.example:" + port + "/any-is/commonauth?sessionDataKey=k",
                        "commonAuthId=c; Path=/any-is/t/wso2.com/; HttpOnly"), redirectAndCookie(sluice, "e.example", "/any-is/login"));
            }
        }
    }

    /** The Location and Set-Cookie (or "") of one request sent with this Host header. */
    private static List<String> redirectAndCookie(RunningSluice sluice, String host, String path) throws Exception {
        String port = ":" + sluice.port("http");
        String response = RawHttp.exchange(sluice.address("http"), "GET " + path + " HTTP/1.1\nHost: " + host + port + "\nConnection: close\n");
        assertEquals(302, RawHttp.status(response), response);
        String location = "";
        String cookie = "";
        for (String line : RawHttp.head(response).split("\r\n")) {
            if (line.regionMatches(true, 0, "Location: ", 0, 10)) {
                location = line.substring(10);
            } else if (line.regionMatches(true, 0, "Set-Cookie: ", 0, 12)) {
                cookie = line.substring(12);
            }
        }
        return List.of(location, cookie);
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
