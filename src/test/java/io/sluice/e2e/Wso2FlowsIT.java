package io.sluice.e2e;

import static io.sluice.e2e.Wso2Backends.autoPost;
import static io.sluice.e2e.Wso2Backends.base64;
import static io.sluice.e2e.Wso2Backends.html;
import static io.sluice.e2e.Wso2Backends.redirect;
import static io.sluice.e2e.Wso2Backends.unbase64;
import static io.sluice.e2e.Wso2Backends.xml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.BrowserClient;
import io.sluice.testing.Closer;
import io.sluice.testing.HeadlessChromium;
import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.UndertowBackend;
import io.undertow.util.Headers;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * WSO2 login flows end to end through Sluice, with stand-in IS and APIM nodes that answer
 * as the products do (see {@link Wso2Backends}) and a client that acts as a browser: every
 * redirect the browser sees is on the public origin, cookies come back under the paths
 * the browser uses, and each step reaches the node that holds its state.
 */
class Wso2FlowsIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private String httpsListener() {
        TestCertificates.PemFiles cert = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        return "{ name = https, bind = \"127.0.0.1:0\", tls { " + cert.hocon() + " } }";
    }

    /**
     * APIM 4 Publisher and Developer Portal signing in at IS (IS as Key Manager), IS under
     * the public prefix /is/ with tenant-qualified URLs and tenanted sessions
     * (product-is#18904). The chain crosses both pools: APIM sends the browser to IS's own
     * origin (https://localhost:9443/t/wso2.com/oauth2/authorize), IS to its /commonauth, its
     * login page, back to /oauth2/authorize and finally to APIM's callback on APIM's own
     * origin. The second login (Developer Portal) must be single sign-on: the commonAuthId
     * cookie IS scoped to /t/wso2.com/ has to come back under /is/t/wso2.com/.
     */
    @Test
    void oidcLoginAcrossTheApimAndIsPoolsWithATenantUnderAPrefix() throws Exception {
        Map<String, String> codes = new ConcurrentHashMap<>();
        Wso2Backends.IdentityServer is1 = new Wso2Backends.IdentityServer("is1", codes, null);
        Wso2Backends.IdentityServer is2 = new Wso2Backends.IdentityServer("is2", codes, null);
        Wso2Backends.ApiManager apim = new Wso2Backends.ApiManager("https://apim.internal:9443",
                "https://localhost:9443/t/wso2.com/oauth2/authorize", codes);
        UndertowBackend is1Node = closer.add(UndertowBackend.http(is1.handler()));
        UndertowBackend is2Node = closer.add(UndertowBackend.http(is2.handler()));
        UndertowBackend apimNode = closer.add(UndertowBackend.http(apim.handler()));
        RunningSluice sluice = closer.add(RunningSluice.start(dir, """
                sluice {
                  listeners = [ %s ]
                  routes = [
                    { prefix = "/is/", pool = is, rewrite = "/" }
                    { prefix = "/", pool = apim }
                  ]
                  pools {
                    is {
                      profile = wso2-is-7
                      members = [ { url = "http://127.0.0.1:%d", name = is1 }, { url = "http://127.0.0.1:%d", name = is2 } ]
                    }
                    apim {
                      profile = wso2-apim-4-control-plane
                      members = [ { url = "http://127.0.0.1:%d", name = cp1 } ]
                      # deployment.toml [server] hostname of the APIM nodes
                      internal-origins = ["https://apim.internal:9443"]
                    }
                  }
                }
                """.formatted(httpsListener(), is1Node.port(), is2Node.port(), apimNode.port())));
        String publicOrigin = "https://localhost:" + sluice.port("https");
        BrowserClient browser = new BrowserClient(URI.create(publicOrigin));

        HttpResponse<String> loginPage = browser.get(URI.create(publicOrigin + "/publisher/services/auth/login"));
        assertEquals(200, loginPage.statusCode(), loginPage.body());
        assertTrue(loginPage.uri().getPath().equals("/is/t/wso2.com/authenticationendpoint/login.do"), loginPage.uri().toString());
        HttpResponse<String> publisher = browser.postForm(loginPage.uri().resolve(formAction(loginPage.body())),
                Map.of("username", "admin", "password", "admin", "sessionDataKey", hiddenField(loginPage.body(), "sessionDataKey")));
        assertEquals(200, publisher.statusCode(), publisher.body());
        assertTrue(publisher.body().contains("<p id=\"user\">signed in as admin</p>"), publisher.body());
        assertEquals(publicOrigin + "/publisher/apis", publisher.uri().toString());

        List<String> publisherChain = browser.locations();
        assertChainStartsWith(publisherChain, publicOrigin, List.of(
                "/is/t/wso2.com/oauth2/authorize?response_type=code&client_id=publisher_client",
                "/is/t/wso2.com/commonauth?sessionDataKey=",
                "/is/t/wso2.com/authenticationendpoint/login.do?client_id=publisher_client",
                "/is/t/wso2.com/oauth2/authorize?sessionDataKey=",
                "/publisher/services/auth/callback/login?code=",
                "/publisher/apis"));
        assertCookiePath(browser, "commonAuthId", "/is/t/wso2.com/");
        assertCookiePath(browser, "opbs", "/is/t/wso2.com/");
        assertCookiePath(browser, "AM_ACC_TOKEN_DEFAULT_P2", "/publisher/");

        HttpResponse<String> devportal = browser.get(URI.create(publicOrigin + "/devportal/apis"));
        assertEquals(200, devportal.statusCode(), devportal.body());
        assertTrue(devportal.body().contains("signed in as admin"), devportal.body());
        List<String> devportalChain = browser.locations().subList(publisherChain.size(), browser.locations().size());
        assertChainStartsWith(devportalChain, publicOrigin, List.of(
                "/devportal/services/auth/login",
                "/is/t/wso2.com/oauth2/authorize?response_type=code&client_id=devportal_client",
                "/devportal/services/auth/callback/login?code=",
                "/devportal/apis"));
        assertEquals(6, is1.seen.size() + is2.seen.size() - healthChecks(is1) - healthChecks(is2),
                "five IS steps for the first login, one for the single sign-on");
    }

    private static int healthChecks(Wso2Backends.IdentityServer node) {
        synchronized (node.seen) {
            return (int) node.seen.stream().filter(line -> line.startsWith("GET /api/health-check/")).count();
        }
    }

    /**
     * Each Location is on the public origin (absolute, or path-absolute and never
     * scheme-relative) and starts with the expected path, in order.
     */
    private static void assertChainStartsWith(List<String> locations, String publicOrigin, List<String> expectedPaths) {
        assertEquals(expectedPaths.size(), locations.size(), "redirects: " + locations);
        for (int i = 0; i < locations.size(); i++) {
            String location = locations.get(i);
            assertTrue(location.startsWith(publicOrigin + "/") || (location.startsWith("/") && !location.startsWith("//")),
                    "a redirect the browser sees names the public origin: " + location);
            assertFalse(location.contains("\\"), location);
            String path = location.startsWith("/") ? location : location.substring(publicOrigin.length());
            assertTrue(path.startsWith(expectedPaths.get(i)), "redirect " + i + ": " + location + " (chain " + locations + ")");
        }
    }

    private static void assertCookiePath(BrowserClient browser, String name, String path) {
        List<HttpCookie> matching = browser.cookies().stream().filter(cookie -> cookie.getName().equals(name)).toList();
        assertFalse(matching.isEmpty(), "the browser kept " + name + " (a cookie whose Path does not cover its page is dropped): "
                + browser.cookies());
        assertEquals(path, matching.get(0).getPath(), name);
    }

    private static String formAction(String page) {
        Matcher action = Pattern.compile("<form action=\"([^\"]+)\" method=\"post\"").matcher(page);
        assertTrue(action.find(), page);
        return action.group(1);
    }

    private static String hiddenField(String page, String name) {
        Matcher field = Pattern.compile("name=\"" + name + "\" value=\"([^\"]*)\"").matcher(page);
        assertTrue(field.find(), page);
        return field.group(1);
    }

    /**
     * SAML with a federated IdP, in a real browser: an SP on another site auto-POSTs an
     * AuthnRequest to /samlsso; the IS node that takes it keeps the authentication context
     * in memory and sends the browser on to the external IdP (the other site again), whose
     * auto-POSTed response comes back to /commonauth: a cross-site POST, which carries only
     * SameSite=None cookies. Sluice's affinity cookie (None; Secure over https) must come with
     * it, so that the POST lands on the node that holds the context and the SP gets its
     * SAMLResponse.
     */
    @Test
    void samlPostBindingKeepsItsNodeAcrossTheCrossSitePost() throws Exception {
        if (!HeadlessChromium.available() && System.getenv("CI") == null) {
            System.out.println("Wso2FlowsIT: chromium not installed here; .ci/run installs it");
            return;
        }
        int[] sluicePort = new int[1];
        int[] partnerPort = new int[1];
        // The other site: an SP (at /sp) and the external IdP IS federates to (at /idp).
        UndertowBackend partner = closer.add(UndertowBackend.http(Wso2Backends.blocking(call -> {
            String sluiceOrigin = "https://localhost:" + sluicePort[0];
            switch (call.method() + " " + call.path()) {
                case "GET /sp" -> html(call.exchange(), 200, autoPost(sluiceOrigin + "/samlsso", Map.of(
                        "SAMLRequest", base64("<samlp:AuthnRequest ID=\"sp-1\" AssertionConsumerServiceURL=\"http://127.0.0.1:"
                                + partnerPort[0] + "/sp/acs\"/>"),
                        "RelayState", "sp-relay-1")));
                case "POST /idp/sso" -> html(call.exchange(), 200, autoPost(sluiceOrigin + "/commonauth", Map.of(
                        "SAMLResponse", base64("<samlp:Response InResponseTo=\"" + xml(unbase64(call.param("SAMLRequest")), "ID=\"([^\"]+)\"")
                                + "\"><saml:NameID>alice</saml:NameID></samlp:Response>"),
                        "RelayState", call.param("RelayState"))));
                case "POST /sp/acs" -> {
                    String response = unbase64(call.param("SAMLResponse"));
                    html(call.exchange(), 200, "<p id=\"result\">signed in: " + xml(response, "<saml:NameID>([^<]+)<")
                            + " via " + xml(response, "<saml:Issuer>([^<]+)<") + ", relay " + call.param("RelayState") + "</p>");
                }
                default -> html(call.exchange(), 404, "<p id=\"result\">404 " + call.path() + "</p>");
            }
        })));
        partnerPort[0] = partner.port();
        String idp = "http://127.0.0.1:" + partner.port() + "/idp/sso";
        Map<String, String> codes = new ConcurrentHashMap<>();
        Wso2Backends.IdentityServer is1 = new Wso2Backends.IdentityServer("is1", codes, idp);
        Wso2Backends.IdentityServer is2 = new Wso2Backends.IdentityServer("is2", codes, idp);
        UndertowBackend is1Node = closer.add(UndertowBackend.http(is1.handler()));
        UndertowBackend is2Node = closer.add(UndertowBackend.http(is2.handler()));
        RunningSluice sluice = closer.add(RunningSluice.start(dir, """
                sluice {
                  listeners = [ %s ]
                  routes = [ { prefix = "/", pool = is } ]
                  pools {
                    is {
                      profile = wso2-is-7
                      members = [ { url = "http://127.0.0.1:%d", name = is1 }, { url = "http://127.0.0.1:%d", name = is2 } ]
                    }
                  }
                }
                """.formatted(httpsListener(), is1Node.port(), is2Node.port())));
        sluicePort[0] = sluice.port("https");

        HeadlessChromium chromium = closer.add(HeadlessChromium.start(dir.resolve("profile"), List.of("--ignore-certificate-errors")));
        chromium.call("Network.enable", "{}");
        chromium.call("Page.enable", "{}");
        chromium.call("Page.navigate", "{\"url\":" + HeadlessChromium.quote("http://127.0.0.1:" + partner.port() + "/sp") + "}");
        String result = awaitResult(chromium);

        Wso2Backends.IdentityServer holder = is1.seen.stream().anyMatch(line -> line.startsWith("POST /samlsso ")) ? is1 : is2;
        Wso2Backends.IdentityServer other = holder == is1 ? is2 : is1;
        assertEquals("signed in: alice via " + holder.name + ", relay sp-relay-1", result, "is1 saw " + is1.seen + ", is2 saw " + is2.seen);
        String crossSitePost = holder.seen.stream().filter(line -> line.startsWith("POST /commonauth ")).findFirst().orElseThrow();
        assertTrue(crossSitePost.contains("SLUICEID_IS="), "the affinity cookie came with the cross-site POST: " + crossSitePost);
        assertTrue(other.seen.stream().noneMatch(line -> line.startsWith("POST ")), "the other node saw no step: " + other.seen);

        String cookies = chromium.call("Network.getAllCookies", "{}");
        Matcher affinity = Pattern.compile("\\{\"name\":\"SLUICEID_IS\"[^}]*}").matcher(cookies);
        assertTrue(affinity.find(), cookies);
        assertTrue(affinity.group().contains("\"secure\":true") && affinity.group().contains("\"sameSite\":\"None\""), affinity.group());
    }

    /** Polls the page for the SP's result paragraph while the auto-submitted forms run. */
    private static String awaitResult(HeadlessChromium chromium) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = chromium.evaluate("(document.getElementById('result') || {textContent: ''}).textContent + ''");
                if (!last.isEmpty()) {
                    return last;
                }
            } catch (IllegalStateException navigating) {
                // the page was replaced while we asked; ask again
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the SP page never showed a result; last: " + last + ", location: " + chromium.evaluate("location.href"));
    }

    /**
     * A Tomcat app deployed at /ctx on its member, published at /app/ and at the root.
     * Tomcat names its context without the trailing slash in cookie paths and redirects;
     * a redirect that would become scheme-relative after mapping (/ctx//evil.example/x, or
     * /ctx/\evil.example/x, which browsers read the same) stays on the public host.
     */
    @Test
    void aContextPathMemberUnderAPrefixAndAtTheRoot() throws Exception {
        int[] memberPort = new int[1];
        UndertowBackend tomcat = closer.add(UndertowBackend.http(Wso2Backends.blocking(call -> {
            String member = "http://127.0.0.1:" + memberPort[0];
            switch (call.path()) {
                case "/ctx/login" -> redirect(call.exchange(), member + "/ctx", "JSESSIONID=A1B2C3; Path=/ctx; HttpOnly");
                case "/ctx" -> redirect(call.exchange(), member + "/ctx/");
                case "/ctx/" -> html(call.exchange(), 200, "<p>home, session " + call.cookies().get("JSESSIONID") + "</p>");
                case "/ctx/double" -> redirect(call.exchange(), "/ctx//evil.example/x");
                case "/ctx/backslash" -> redirect(call.exchange(), "/ctx/\\evil.example/x");
                case "/ctx/refresh" -> {
                    call.exchange().getResponseHeaders().put(Headers.REFRESH, "0; url=/ctx//evil.example/x");
                    html(call.exchange(), 200, "<p>moved</p>");
                }
                default -> html(call.exchange(), 404, "<p>404</p>");
            }
        })));
        memberPort[0] = tomcat.port();
        RunningSluice sluice = closer.add(RunningSluice.start(dir, """
                sluice {
                  listeners = [ %s ]
                  routes = [
                    { prefix = "/app/", pool = app, rewrite = "/" }
                    { prefix = "/", pool = root }
                  ]
                  pools {
                    app { members = [ { url = "http://127.0.0.1:%2$d/ctx" } ] }
                    root { members = [ { url = "http://127.0.0.1:%2$d/ctx" } ] }
                  }
                }
                """.formatted(httpsListener(), tomcat.port())));
        String publicOrigin = "https://localhost:" + sluice.port("https");

        for (String mount : List.of("/app/", "/")) {
            BrowserClient browser = new BrowserClient(URI.create(publicOrigin));
            HttpResponse<String> home = browser.get(URI.create(publicOrigin + mount + "login"));
            assertEquals(List.of(publicOrigin + mount), browser.locations(), "http://<member>/ctx is the public directory itself");
            assertEquals("<p>home, session A1B2C3</p>", body(home), "the cookie for Path=/ctx came back under " + mount);
            assertCookiePath(browser, "JSESSIONID", mount.equals("/") ? "/" : "/app");
        }
        assertEquals("/app//evil.example/x", location(sluice, "/app/double"));
        assertEquals("/app/\\evil.example/x", location(sluice, "/app/backslash"));
        assertEquals("/evil.example/x", location(sluice, "/double"), "never scheme-relative");
        assertEquals("/evil.example/x", location(sluice, "/backslash"), "never a backslash browsers read as a second slash");
        HttpResponse<String> refresh = Http.get(Http.client(), URI.create(publicOrigin + "/refresh"));
        assertEquals("0; url=/evil.example/x", refresh.headers().firstValue("Refresh").orElseThrow());
        for (String path : List.of("/app/double", "/app/backslash", "/double", "/backslash")) {
            String location = location(sluice, path);
            URI resolved = URI.create(publicOrigin + path).resolve(location.replace('\\', '/'));
            assertEquals("localhost", resolved.getHost(), path + " -> " + location);
        }
    }

    private static String location(RunningSluice sluice, String path) throws Exception {
        HttpResponse<String> response = Http.get(Http.client(), sluice.localhostUri("https", path));
        assertEquals(302, response.statusCode());
        String location = response.headers().firstValue("Location").orElse(null);
        assertNotNull(location);
        return location;
    }

    private static String body(HttpResponse<String> page) {
        Matcher p = Pattern.compile("<p>.*</p>").matcher(page.body());
        return p.find() ? p.group() : page.body();
    }
}
