package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sluice.testing.OkHttp;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RunningSluice;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 000 seed layout end to end: one public host split by path into APIM and IS pools
 * with ProxyPass-style prefix rewrites, and the write-up's ProxyPassReverse and
 * "Header edit Location ^http https" derived from the routes.
 */
class Seed000IT {
    @TempDir
    static Path dir;
    static MockWebServer is;
    static MockWebServer gateway;
    static RunningSluice sluice;
    static final OkHttpClient client = OkHttp.client();

    @BeforeAll
    static void start() throws Exception {
        is = new MockWebServer();
        is.start(InetAddress.getLoopbackAddress(), 0);
        gateway = new MockWebServer();
        gateway.start(InetAddress.getLoopbackAddress(), 0);
        sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [
                    { name = https, bind = "127.0.0.1:0", tls { self-signed = [localhost, sso.example.com] } }
                    { name = plain, bind = "127.0.0.1:0" }
                  ]
                  deny-methods = [TRACE, OPTIONS]
                  routes = [
                    { prefix = "/apim-token", pool = apim-gateway, rewrite = "/token" }
                    { prefix = "/is-samlsso", pool = is, rewrite = "/samlsso" }
                    { prefix = "/is-authenticationendpoint", pool = is, rewrite = "/authenticationendpoint" }
                    { prefix = "/is-commonauth", pool = is, rewrite = "/commonauth" }
                  ]
                  pools {
                    apim-gateway { members = [ { url = "http://127.0.0.1:%d" } ] }
                    is {
                      members = [ { url = "http://127.0.0.1:%d", route = is1 } ]
                      internal-origins = ["http://localhost:9763", "https://localhost:9443"]
                    }
                  }
                }
                """.formatted(gateway.getPort(), is.getPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        sluice.close();
        is.close();
        gateway.close();
    }

    /** MockWebServer keeps every request in one queue: drop what earlier tests left there. */
    private static void drain(MockWebServer server) throws Exception {
        while (server.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
            // discard
        }
    }

    private static Response get(String listener, String path) throws Exception {
        Request request = new Request.Builder().url(sluice.uri(listener, path).toString()).header("Host", "sso.example.com").build();
        return client.newCall(request).execute();
    }

    private static String location(MockResponse backend, String path) throws Exception {
        is.enqueue(backend);
        try (Response response = get("https", path)) {
            assertEquals(302, response.code());
            return response.header("Location");
        }
    }

    private static MockResponse redirect(String location) {
        return new MockResponse.Builder().code(302).addHeader("Location", location).build();
    }

    @Test
    void prefixIsRewrittenAndQueryKept() throws Exception {
        drain(is);
        is.enqueue(new MockResponse.Builder().body("ok").build());
        try (Response response = get("https", "/is-commonauth?sessionDataKey=abc&x=%2F1")) {
            assertEquals(200, response.code());
        }
        RecordedRequest recorded = is.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/commonauth?sessionDataKey=abc&x=%2F1", recorded.getTarget());
        assertEquals("sso.example.com", recorded.getHeaders().get("Host"));
        assertEquals("https", recorded.getHeaders().get("X-Forwarded-Proto"));
    }

    @Test
    void apimTokenGoesToTheGatewayAsToken() throws Exception {
        drain(gateway);
        gateway.enqueue(new MockResponse.Builder().body("{}").build());
        try (Response response = get("https", "/apim-token?grant_type=client_credentials")) {
            assertEquals(200, response.code());
        }
        assertEquals("/token?grant_type=client_credentials", gateway.takeRequest(5, TimeUnit.SECONDS).getTarget());
    }

    @Test
    void redirectToAnInternalHttpOriginBecomesThePublicHttpsUrl() throws Exception {
        assertEquals("https://sso.example.com/is-authenticationendpoint/login.do?x=1",
                location(redirect("http://localhost:9763/authenticationendpoint/login.do?x=1"), "/is-commonauth"));
    }

    @Test
    void redirectToTheSecondInternalOriginToo() throws Exception {
        assertEquals("https://sso.example.com/is-commonauth?sessionDataKey=k",
                location(redirect("https://localhost:9443/commonauth?sessionDataKey=k"), "/is-samlsso"));
    }

    @Test
    void redirectToTheMemberItselfIsRewritten() throws Exception {
        assertEquals("https://sso.example.com/is-samlsso?SAMLRequest=a",
                location(redirect("http://127.0.0.1:" + is.getPort() + "/samlsso?SAMLRequest=a"), "/is-commonauth"));
    }

    @Test
    void pathAbsoluteRedirectGetsThePublicPrefix() throws Exception {
        assertEquals("/is-authenticationendpoint/retry.do", location(redirect("/authenticationendpoint/retry.do"), "/is-commonauth"));
    }

    @Test
    void plainHttpToThePublicHostIsUpgradedToHttps() throws Exception {
        assertEquals("https://sso.example.com/is-commonauth", location(redirect("http://sso.example.com/is-commonauth"), "/is-commonauth"));
    }

    @Test
    void foreignRedirectIsUntouched() throws Exception {
        assertEquals("https://accounts.example.org/o/oauth2/auth?x=1",
                location(redirect("https://accounts.example.org/o/oauth2/auth?x=1"), "/is-commonauth"));
    }

    @Test
    void cookiePathsFollowThePrefix() throws Exception {
        is.enqueue(new MockResponse.Builder()
                .addHeader("Set-Cookie", "JSESSIONID=abc.is1; Path=/authenticationendpoint; Secure; HttpOnly")
                .addHeader("Set-Cookie", "opbs=x; Path=/commonauth")
                .addHeader("Set-Cookie", "commonAuthId=y; Path=/; HttpOnly")
                .build());
        try (Response response = get("https", "/is-authenticationendpoint/login.do")) {
            assertEquals(List.of("JSESSIONID=abc.is1; Path=/is-authenticationendpoint; Secure; HttpOnly",
                    "opbs=x; Path=/is-commonauth", "commonAuthId=y; Path=/; HttpOnly"), response.headers("Set-Cookie"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"OPTIONS", "TRACE"})
    void deniedMethodsGet403AndNeverReachABackend(String method) throws Exception {
        int before = is.getRequestCount();
        String response = RawHttp.exchange(sluice.address("plain"), method + " /is-commonauth HTTP/1.1\nHost: sso.example.com\nConnection: close\n");
        assertEquals(403, RawHttp.status(response));
        assertEquals(before, is.getRequestCount());
    }

    @Test
    void unroutedPathIs404() throws Exception {
        try (Response response = get("https", "/carbon/admin/login.jsp")) {
            assertEquals(404, response.code());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/is-commonauth/../carbon/admin", "/is-commonauth/%2e%2e/carbon", "/is-commonauth/%2E%2e/carbon",
        "/is-commonauth/..;/carbon", "/is-commonauth/.;x=1/../carbon", "/is-commonauth%2f..%2fcarbon",
        "/is-commonauth/..%2fcarbon", "/is-commonauth/..%5ccarbon", "/is-commonauth/..\\carbon", "/is-commonauth/.%2E/carbon",
        "/is-commonauth/%zz", "/is-commonauth/%00",
    })
    void traversalTricksAreRefusedBeforeAnyBackend(String path) throws Exception {
        int before = is.getRequestCount();
        String response = RawHttp.exchange(sluice.address("plain"), "GET " + path + " HTTP/1.1\nHost: sso.example.com\nConnection: close\n");
        assertEquals(400, RawHttp.status(response), response);
        assertEquals(before, is.getRequestCount());
    }

    @Test
    void pathParametersAndEncodedCharactersPassThroughTheRewrite() throws Exception {
        drain(is);
        is.enqueue(new MockResponse.Builder().body("ok").build());
        String response = RawHttp.exchange(sluice.address("plain"),
                "GET /is-commonauth;jsessionid=abc.is1/a%20b?x=1 HTTP/1.1\nHost: sso.example.com\nConnection: close\n");
        assertEquals(200, RawHttp.status(response), response);
        assertEquals("/commonauth;jsessionid=abc.is1/a%20b?x=1", is.takeRequest(5, TimeUnit.SECONDS).getTarget());
    }

    @Test
    void noRedirectLeaksInternalOriginsWhenBodyless() throws Exception {
        is.enqueue(new MockResponse.Builder().code(200).build());
        try (Response response = get("https", "/is-commonauth")) {
            assertNull(response.header("Location"));
        }
    }
}
