package io.sluice.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.route.ReverseRewriter.Mapping;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed's two httpd vhosts, expressed as routes: IS behind {@code /is-} and APIM behind
 * {@code /apim-*}, TLS terminated for {@code https://sso.example.com}.
 */
class ReverseRewriterTest {

    private static final String HTTPS = "https";
    private static final String PUBLIC = "sso.example.com";

    /** ProxyPass /is- http://localhost:9763/ plus the 9443 origin of ProxyPassReverse. */
    private static final ReverseRewriter IS = new ReverseRewriter(
            List.of(new Mapping("/is-", "/")),
            List.of(URI.create("http://localhost:9763"), URI.create("https://localhost:9443"),
                    URI.create("http://[::1]:9763")),
            true);

    /** The seed's APIM ProxyPass lines, one mapping per route. */
    private static final ReverseRewriter APIM = new ReverseRewriter(
            List.of(new Mapping("/apim-token", "/token"),
                    new Mapping("/apim-t", "/t"),
                    new Mapping("/apim-authenticationendpoint", "/authenticationendpoint"),
                    new Mapping("/apim-commonauth", "/commonauth"),
                    new Mapping("/apim-oauth2/authorize", "/oauth2/authorize"),
                    new Mapping("/carbon", "/carbon")),
            List.of(URI.create("http://localhost:8280"), URI.create("http://localhost:9763"),
                    URI.create("https://localhost:9443"), URI.create("https://localhost:9343")),
            false);

    @ParameterizedTest(name = "IS: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            // the seed's redirects
            "http://localhost:9763/authenticationendpoint/login.do?x=1 | https://sso.example.com/is-authenticationendpoint/login.do?x=1",
            "https://localhost:9443/commonauth                        | https://sso.example.com/is-commonauth",
            "http://localhost:9763/commonauth                         | https://sso.example.com/is-commonauth",
            "https://localhost:9443/samlsso?SAMLRequest=a%2Bb&RelayState=%2Fx#f | https://sso.example.com/is-samlsso?SAMLRequest=a%2Bb&RelayState=%2Fx#f",
            // scheme and host in any case, default and explicit ports, empty path
            "HTTPS://LocalHost:9443/commonauth                        | https://sso.example.com/is-commonauth",
            "http://localhost:9763                                    | https://sso.example.com/is-",
            "http://localhost:9763/                                   | https://sso.example.com/is-",
            "http://localhost:9763?x=/y                               | https://sso.example.com/is-?x=/y",
            "http://localhost:9763#top                                | https://sso.example.com/is-#top",
            "http://[::1]:9763/commonauth                             | https://sso.example.com/is-commonauth",
            "http://user:pw@localhost:9763/commonauth                 | https://sso.example.com/is-commonauth",
            // the path the browser will request: dot-segments resolved first
            "https://localhost:9443/carbon/../authenticationendpoint/x | https://sso.example.com/is-authenticationendpoint/x",
            "https://localhost:9443/a/%2e%2E/b?c=../d                 | https://sso.example.com/is-b?c=../d",
            "https://localhost:9443/..                                | https://sso.example.com/is-",
            // path-absolute references stay relative
            "/authenticationendpoint/login.do?x=1                     | /is-authenticationendpoint/login.do?x=1",
            "/                                                        | /is-",
            "/?x                                                      | /is-?x",
            // http on the public host over https: https (Header edit Location ^http https)
            "http://sso.example.com/x                                 | https://sso.example.com/x",
            "HTTP://SSO.example.com:80/x?y=1#z                        | https://sso.example.com/x?y=1#z",
            "http://sso.example.com:443/x                             | https://sso.example.com/x",
            "http://sso.example.com                                   | https://sso.example.com",
            // untouched
            "https://sso.example.com/x                                | NULL",
            "http://sso.example.com:8080/x                            | NULL",
            "http://sso.example.com.evil.com/x                        | NULL",
            "http://evil.com/?next=http://localhost:9763/             | NULL",
            "https://www.example.org/authenticationendpoint           | NULL",
            "http://localhost:9443/commonauth                         | NULL",
            "https://localhost:9763/commonauth                        | NULL",
            "http://localhost/commonauth                              | NULL",
            "http://127.0.0.1:9763/commonauth                         | NULL",
            "http://localhost:9763@evil.com/x                         | NULL",
            "http://localhost:9763\\@evil.com/x                       | NULL",
            "//localhost:9763/commonauth                              | NULL",
            "login.do                                                 | NULL",
            "../login.do                                              | NULL",
            "?x=1                                                     | NULL",
            "ftp://localhost:9763/x                                   | NULL",
            "httpx://localhost:9763/x                                 | NULL",
            "http:/localhost:9763/x                                   | NULL",
            "http://                                                  | NULL",
            "http://:9763/x                                           | NULL",
            "http://localhost:99999/x                                 | NULL",
            "http://localhost:97a3/x                                  | NULL",
            "http://[::1/x                                            | NULL",
            "javascript:alert(1)                                      | NULL",
    })
    void rewritesIsLocations(String location, String expected) {
        assertEquals(expected, IS.rewriteLocation(location, HTTPS, PUBLIC));
    }

    @ParameterizedTest(name = "APIM: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "http://localhost:8280/token                              | https://sso.example.com/apim-token",
            "http://localhost:8280/token?grant_type=x                 | https://sso.example.com/apim-token?grant_type=x",
            "http://localhost:8280/t/carbon.super/api                 | https://sso.example.com/apim-t/carbon.super/api",
            "http://localhost:9763/authenticationendpoint/login.do    | https://sso.example.com/apim-authenticationendpoint/login.do",
            // the seed's ProxyPassReverse https://localhost:9343/carbon/../authenticationendpoint
            "https://localhost:9343/carbon/../authenticationendpoint/login.do | https://sso.example.com/apim-authenticationendpoint/login.do",
            "https://localhost:9443/commonauth?sessionDataKey=1       | https://sso.example.com/apim-commonauth?sessionDataKey=1",
            "https://localhost:9443/oauth2/authorize?client_id=a      | https://sso.example.com/apim-oauth2/authorize?client_id=a",
            // a route without rewrite: only the origin changes
            "https://localhost:9443/carbon/admin/login.jsp            | https://sso.example.com/carbon/admin/login.jsp",
            "/carbon/admin/login.jsp                                  | NULL",
            "/token                                                   | /apim-token",
            "/commonauth?x#y                                          | /apim-commonauth?x#y",
            // no route serves these: internal URL left as it is (a leak the caller counts)
            "https://localhost:9443/publisher                         | NULL",
            "http://localhost:8280                                    | NULL",
            "/publisher                                               | NULL",
    })
    void rewritesApimLocations(String location, String expected) {
        assertEquals(expected, APIM.rewriteLocation(location, HTTPS, PUBLIC));
    }

    @Test
    void longestBackendPrefixWins() {
        // "/t" would match too; the longer "/token" wins whatever the list order.
        assertEquals("https://sso.example.com/apim-token/x",
                APIM.rewriteLocation("http://localhost:8280/token/x", HTTPS, PUBLIC));
        // and plain string prefixes, exactly as the forward ProxyPass matches
        assertEquals("https://sso.example.com/apim-tokens",
                APIM.rewriteLocation("http://localhost:8280/tokens", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/apim-tx",
                APIM.rewriteLocation("http://localhost:8280/tx", HTTPS, PUBLIC));
    }

    @Test
    void equalLengthBackendPrefixesKeepListOrder() {
        ReverseRewriter r = new ReverseRewriter(
                List.of(new Mapping("/first/", "/"), new Mapping("/second/", "/")),
                List.of(URI.create("http://node:80")), false);
        assertEquals("/first/x", r.rewriteLocation("/x", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/first/x", r.rewriteLocation("http://node/x", HTTPS, PUBLIC));
    }

    @Test
    void plainHttpPublicSiteKeepsItsSchemeAndPort() {
        assertEquals("http://sso.example.com:8080/is-commonauth",
                IS.rewriteLocation("http://localhost:9763/commonauth", "http", "sso.example.com:8080"));
        assertNull(IS.rewriteLocation("http://sso.example.com:8080/x", "http", "sso.example.com:8080"));
    }

    @Test
    void publicAuthorityWithPortGetsHttpsUpgradeOnlyForItsOwnPorts() {
        assertEquals("https://sso.example.com:8443/x",
                IS.rewriteLocation("http://sso.example.com:8443/x", HTTPS, "sso.example.com:8443"));
        assertEquals("https://sso.example.com:8443/x",
                IS.rewriteLocation("http://sso.example.com/x", HTTPS, "sso.example.com:8443"));
        assertNull(IS.rewriteLocation("http://sso.example.com:9000/x", HTTPS, "sso.example.com:8443"));
        assertNull(IS.rewriteLocation("http://sso.example.com/x", HTTPS, "garbage:port"));
    }

    @Test
    void nothingChangesWhenThePublicOriginIsListedAsInternal() {
        ReverseRewriter r = new ReverseRewriter(List.of(new Mapping("/x", "/x")),
                List.of(URI.create("https://sso.example.com")), false);
        assertNull(r.rewriteLocation("https://sso.example.com/x/y?z", HTTPS, PUBLIC));
    }

    @Test
    void emptyOrNullValuesAreUntouched() {
        assertNull(IS.rewriteLocation(null, HTTPS, PUBLIC));
        assertNull(IS.rewriteLocation("", HTTPS, PUBLIC));
        assertNull(IS.rewriteRefresh(null, HTTPS, PUBLIC));
        assertNull(IS.rewriteSetCookie(null));
    }

    @Test
    void countsLeaks() {
        String leaked = "https://localhost:9443/publisher";
        assertNull(APIM.rewriteLocation(leaked, HTTPS, PUBLIC));
        assertTrue(APIM.isInternal(leaked));
        assertTrue(IS.isInternal("HTTP://LOCALHOST:9763"));
        assertTrue(IS.isInternal("http://[::1]:9763/x"));
        assertFalse(IS.isInternal("https://sso.example.com/is-commonauth"));
        assertFalse(IS.isInternal("http://localhost/x"));
        assertFalse(IS.isInternal("/commonauth"));
        assertFalse(IS.isInternal("http://evil@x"));
        assertFalse(IS.isInternal(""));
        assertFalse(IS.isInternal(null));
    }

    @ParameterizedTest(name = "Refresh: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "5; url=http://localhost:9763/commonauth       | 5; url=https://sso.example.com/is-commonauth",
            "0;URL=https://localhost:9443/x?y=1            | 0;URL=https://sso.example.com/is-x?y=1",
            "1.5; url=/authenticationendpoint               | 1.5; url=/is-authenticationendpoint",
            "5; http://localhost:9763/a                    | 5; https://sso.example.com/is-a",
            "5;url=http://sso.example.com/x                | 5;url=https://sso.example.com/x",
            "5; url=https://www.example.org/x              | NULL",
            "5; url=login.do                               | NULL",
            "5                                             | NULL",
            "5;                                            | NULL",
            "5; url=                                       | NULL",
            "url=http://localhost:9763/a                   | NULL",
            "abc                                           | NULL",
    })
    void rewritesRefresh(String refresh, String expected) {
        assertEquals(expected, IS.rewriteRefresh(refresh, HTTPS, PUBLIC));
    }

    @Test
    void rewritesQuotedRefreshUrlsKeepingTheRestByteForByte() {
        assertEquals("0; Url = 'https://sso.example.com/is-x'",
                IS.rewriteRefresh("0; Url = 'https://localhost:9443/x'", HTTPS, PUBLIC));
        assertEquals("3, url=\"https://sso.example.com/is-a\"  ",
                IS.rewriteRefresh("3, url=\"http://localhost:9763/a\"  ", HTTPS, PUBLIC));
        assertEquals(" 5 ;\turl=https://sso.example.com/is-a ",
                IS.rewriteRefresh(" 5 ;\turl=http://localhost:9763/a ", HTTPS, PUBLIC));
        assertNull(IS.rewriteRefresh("5; url='https://www.example.org/x'", HTTPS, PUBLIC));
    }

    @Test
    void valuesWithLeadingSpaceAreNotUrls() {
        assertNull(IS.rewriteLocation(" http://localhost:9763/x", HTTPS, PUBLIC));
    }

    @ParameterizedTest(name = "IS Set-Cookie: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "JSESSIONID=ABC.n1; Path=/; HttpOnly                       | NULL",
            "JSESSIONID=ABC; Path=/authenticationendpoint; Secure; HttpOnly | JSESSIONID=ABC; Path=/is-authenticationendpoint; Secure; HttpOnly",
            "commonAuthId=x; path=/; Domain=localhost; Secure           | commonAuthId=x; path=/; Secure",
            "a=b; Domain=.LOCALHOST                                     | a=b",
            "a=b;Path=/;Domain=localhost                                | a=b;Path=/",
            "a=b; Domain=localhost; Path=/commonauth                    | a=b; Path=/is-commonauth",
            "a=b; DOMAIN = localhost ; PATH = /commonauth ; Secure      | a=b; PATH = /is-commonauth ; Secure",
            "a=b; Domain=sso.example.com; Path=/                        | NULL",
            "a=b; Path=/authenticationendpoint/                         | a=b; Path=/is-authenticationendpoint/",
            "a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/x; SameSite=None | a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/is-x; SameSite=None",
            "a=b; Domain=::1                                            | NULL",
            "a=b; Domain=localhost.evil.com                             | NULL",
            "a=b                                                        | NULL",
            "a=b; HttpOnly; Secure                                      | NULL",
            "a=b; Path=relative                                         | NULL",
            "a=b; Path=                                                 | NULL",
            "a=b; Paths=/x; XPath=/y                                    | NULL",
            "Path=/; HttpOnly                                           | NULL",
            "a=b;                                                       | NULL",
    })
    void rewritesIsCookies(String setCookie, String expected) {
        assertEquals(expected, IS.rewriteSetCookie(setCookie));
    }

    @ParameterizedTest(name = "APIM Set-Cookie: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "JSESSIONID=X; Path=/token; HttpOnly            | JSESSIONID=X; Path=/apim-token; HttpOnly",
            "JSESSIONID=X; Path=/authenticationendpoint/    | JSESSIONID=X; Path=/apim-authenticationendpoint/",
            "JSESSIONID=X; Path=/carbon; HttpOnly           | NULL",
            "JSESSIONID=X; Path=/publisher                  | NULL",
            "JSESSIONID=X; Path=/; Domain=localhost         | NULL",   // no '/' mapping, domain dropping off
    })
    void rewritesApimCookies(String setCookie, String expected) {
        assertEquals(expected, APIM.rewriteSetCookie(setCookie));
    }

    @Test
    void slashEndedPublicPrefixJoinsCleanly() {
        // nginx style: location /apim/ { proxy_pass https://localhost:9443/; }
        ReverseRewriter r = new ReverseRewriter(List.of(new Mapping("/apim/", "/")),
                List.of(URI.create("https://localhost:9443")), false);
        assertEquals("https://sso.example.com/apim/publisher/",
                r.rewriteLocation("https://localhost:9443/publisher/", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/apim/", r.rewriteLocation("https://localhost:9443", HTTPS, PUBLIC));
        assertEquals("a=b; Path=/apim/", r.rewriteSetCookie("a=b; Path=/"));
        assertEquals("a=b; Path=/apim/publisher", r.rewriteSetCookie("a=b; Path=/publisher"));
    }

    @Test
    void routesSharingABackendPathMapBackThroughTheRequestsOwnRoute() {
        // /is-/x -> /x and / -> / both reach the pool's "/": the way back depends on the route
        // the client came in by; list order alone would send every "/" cookie to /is-/
        ReverseRewriter pool = new ReverseRewriter(List.of(new Mapping("/is-/", "/"), new Mapping("/", "/")),
                List.of(URI.create("http://node:9763")), false);
        ReverseRewriter viaRoot = pool.preferring("/");
        ReverseRewriter viaIs = pool.preferring("/is-/");
        assertNull(viaRoot.rewriteSetCookie("JSESSIONID=1.node1; Path=/; HttpOnly"));
        assertEquals("JSESSIONID=1.node1; Path=/is-/; HttpOnly", viaIs.rewriteSetCookie("JSESSIONID=1.node1; Path=/; HttpOnly"));
        assertNull(viaRoot.rewriteLocation("/commonauth", HTTPS, PUBLIC));
        assertEquals("/is-/commonauth", viaIs.rewriteLocation("/commonauth", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/commonauth", viaRoot.rewriteLocation("http://node:9763/commonauth", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/is-/commonauth", viaIs.rewriteLocation("http://node:9763/commonauth", HTTPS, PUBLIC));
        // a longer backend prefix still wins over the request's own route
        ReverseRewriter nested = new ReverseRewriter(List.of(new Mapping("/", "/"), new Mapping("/auth/", "/authenticationendpoint/")),
                List.of(URI.create("http://node:9763")), false).preferring("/");
        assertEquals("/auth/login.do", nested.rewriteLocation("/authenticationendpoint/login.do", HTTPS, PUBLIC));
    }

    @Test
    void mountStyleRoutesNeedTrailingSlashesOnBothSides() {
        // httpd semantics: /app <-> /ctx/ maps /ctx/x back to /appx (which does forward to
        // /ctx/x again, but relative links from there resolve outside /app)
        ReverseRewriter loose = new ReverseRewriter(List.of(new Mapping("/app", "/ctx/")),
                List.of(URI.create("http://node:8080")), false);
        assertEquals("https://sso.example.com/appx", loose.rewriteLocation("http://node:8080/ctx/x", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/app", loose.rewriteLocation("http://node:8080/ctx/", HTTPS, PUBLIC));
        // everything below /ctx/ is public under /app..., which only Path=/ covers
        assertEquals("a=b; Path=/", loose.rewriteSetCookie("a=b; Path=/ctx/"));

        // /app/ <-> /ctx/ is the mount the operator means
        ReverseRewriter mount = new ReverseRewriter(List.of(new Mapping("/app/", "/ctx/")),
                List.of(URI.create("http://node:8080")), false);
        assertEquals("https://sso.example.com/app/x", mount.rewriteLocation("http://node:8080/ctx/x", HTTPS, PUBLIC));
        assertEquals("/app/x", mount.rewriteLocation("/ctx/x", HTTPS, PUBLIC));
        assertEquals("a=b; Path=/app/", mount.rewriteSetCookie("a=b; Path=/ctx/"));

        // a '/'-ended public prefix never doubles the backend's separator
        ReverseRewriter noDouble = new ReverseRewriter(List.of(new Mapping("/app/", "/ctx")),
                List.of(URI.create("http://node:8080")), false);
        assertEquals("https://sso.example.com/app/x", noDouble.rewriteLocation("http://node:8080/ctx/x", HTTPS, PUBLIC));
        assertEquals("a=b; Path=/app/", noDouble.rewriteSetCookie("a=b; Path=/ctx"));
        assertEquals("a=b; Path=/app/x", noDouble.rewriteSetCookie("a=b; Path=/ctx/x"));
    }

    @ParameterizedTest(name = "origin {0} refused")
    @ValueSource(strings = {"http://localhost:9763/carbon", "ftp://localhost:21", "http://u@localhost:9763",
            "localhost:9763", "http://localhost:9763?x", "http://localhost:70000", "http://:80"})
    void refusesOriginsThatAreNotOrigins(String origin) {
        assertThrows(IllegalArgumentException.class,
                () -> new ReverseRewriter(List.of(), List.of(URI.create(origin)), false));
    }

    @Test
    void refusesBadMappings() {
        assertThrows(IllegalArgumentException.class, () -> new Mapping("is-", "/"));
        assertThrows(IllegalArgumentException.class, () -> new Mapping("/is-", null));
        assertThrows(IllegalArgumentException.class, () -> new Mapping("/is-", "/a/../"));
        java.util.ArrayList<Mapping> withNull = new java.util.ArrayList<>();
        withNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> new ReverseRewriter(withNull, List.of(), false));
    }

    @Test
    void internalOriginsWithDefaultPortsMatchBothSpellings() {
        ReverseRewriter r = new ReverseRewriter(List.of(new Mapping("/", "/")),
                List.of(URI.create("https://node1.internal"), URI.create("http://node2.internal:80/")), false);
        assertEquals("https://sso.example.com/x", r.rewriteLocation("https://node1.internal:443/x", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/x", r.rewriteLocation("https://NODE1.internal/x", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/x", r.rewriteLocation("http://node2.internal/x", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/", r.rewriteLocation("http://node2.internal:", HTTPS, PUBLIC));
        assertNull(r.rewriteLocation("http://node1.internal/x", HTTPS, PUBLIC));
        assertNull(r.rewriteLocation("/x", HTTPS, PUBLIC)); // identity mapping, relative: nothing to do
    }

    /** A route whose public prefix is "/": a mapped redirect must never turn into a network-path reference. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/commonauth//evil.example/x   | /evil.example/x",
            "/commonauth/\\evil.example/x  | /evil.example/x",
            "/commonauth/\\/evil.example   | /evil.example",
            "/commonauth//                 | /",
            "/commonauth/ok?next=//x       | /ok?next=//x",
    })
    void aMappedRedirectNeverBecomesSchemeRelative(String location, String expected) {
        ReverseRewriter root = new ReverseRewriter(List.of(new Mapping("/", "/commonauth/")),
                List.of(URI.create("https://localhost:9443")), false);
        assertEquals(expected, root.rewriteLocation(location, HTTPS, PUBLIC));
        String absolute = root.rewriteLocation("https://localhost:9443" + location, HTTPS, PUBLIC);
        assertTrue(absolute.startsWith("https://" + PUBLIC + "/"), "an absolute result stays on the public host: " + absolute);
    }

    @Test
    void aRedirectToAnotherPoolsOriginMapsThroughThatPoolsRoutes() {
        // APIM's /oauth2/authorize sends the browser to IS's own https origin
        ReverseRewriter is = new ReverseRewriter(List.of(new Mapping("/is-", "/")), List.of(URI.create("https://is.internal:9443")), false);
        ReverseRewriter apim = new ReverseRewriter(List.of(new Mapping("/apim-", "/")), List.of(URI.create("https://apim.internal:9443")), false);
        ReverseRewriter apimSeesAll = apim.withOtherPools(List.of(is, apim));
        assertEquals("https://sso.example.com/is-commonauth?sessionDataKey=1",
                apimSeesAll.rewriteLocation("https://is.internal:9443/commonauth?sessionDataKey=1", HTTPS, PUBLIC));
        assertEquals("https://sso.example.com/apim-publisher", apimSeesAll.rewriteLocation("https://apim.internal:9443/publisher", HTTPS, PUBLIC));
        assertTrue(apimSeesAll.isInternal("https://is.internal:9443/elsewhere"), "another pool's origin is a leak when unmapped");
        assertNull(apim.rewriteLocation("https://is.internal:9443/commonauth", HTTPS, PUBLIC), "without the other pools it stays as it was");
    }

    @Test
    void aSharedOriginMapsThroughTheMostSpecificRouteOfAnyPoolThisPoolsFirstAtEqualLength() {
        // seed 000: APIM and IS nodes both call themselves https://localhost:9443
        URI shared = URI.create("https://localhost:9443");
        ReverseRewriter is = new ReverseRewriter(List.of(new Mapping("/is-samlsso", "/samlsso"), new Mapping("/is-commonauth", "/commonauth")),
                List.of(shared), false);
        ReverseRewriter apim = new ReverseRewriter(List.of(new Mapping("/apim-commonauth", "/commonauth")), List.of(shared), false);
        ReverseRewriter other = new ReverseRewriter(List.of(new Mapping("/other-", "/")), List.of(URI.create("https://other.internal:9443")), false);
        ReverseRewriter apimSeesAll = apim.withOtherPools(List.of(other, is, apim));
        assertEquals("https://sso.example.com/is-samlsso?x=1", apimSeesAll.rewriteLocation("https://localhost:9443/samlsso?x=1", HTTPS, PUBLIC),
                "only IS has a route for it");
        assertEquals("https://sso.example.com/apim-commonauth", apimSeesAll.rewriteLocation("https://localhost:9443/commonauth", HTTPS, PUBLIC),
                "equal length: the answering pool's own route");
        assertEquals("https://sso.example.com/is-commonauth", is.withOtherPools(List.of(apim, is))
                .rewriteLocation("https://localhost:9443/commonauth", HTTPS, PUBLIC));
        assertNull(apimSeesAll.rewriteLocation("https://localhost:9443/elsewhere", HTTPS, PUBLIC),
                "a pool that does not know the origin never maps it, however short its prefix");
        assertNull(apimSeesAll.rewriteLocation("/samlsso", HTTPS, PUBLIC), "a relative path is the answering pool's own");
    }

    /**
     * IS with tenant-qualified URLs and EnableTenantedSessions behind a public prefix
     * (product-is#18904): redirects and the commonAuthId/opbs cookie paths name
     * /t/&lt;tenant&gt;/ (or /o/&lt;org&gt;/) and must come back under the prefix.
     */
    @ParameterizedTest(name = "tenant: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "https://localhost:9443/t/wso2.com/commonauth?sessionDataKey=k | https://sso.example.com/is/t/wso2.com/commonauth?sessionDataKey=k",
            "https://localhost:9443/t/wso2.com/authenticationendpoint/login.do?sessionDataKey=k&tenantDomain=wso2.com | https://sso.example.com/is/t/wso2.com/authenticationendpoint/login.do?sessionDataKey=k&tenantDomain=wso2.com",
            "https://localhost:9443/t/wso2.com/oauth2/authorize?sessionDataKey=k | https://sso.example.com/is/t/wso2.com/oauth2/authorize?sessionDataKey=k",
            "https://localhost:9443/o/10084a8d-113f-4211-a0d5-efe36b082211/oauth2/authorize | https://sso.example.com/is/o/10084a8d-113f-4211-a0d5-efe36b082211/oauth2/authorize",
            "/t/wso2.com/accountrecoveryendpoint/recoverpassword.do?x=1 | /is/t/wso2.com/accountrecoveryendpoint/recoverpassword.do?x=1",
            "https://localhost:9443/t/wso2.com | https://sso.example.com/is/t/wso2.com",
    })
    void tenantQualifiedRedirectsUnderAPublicPrefix(String location, String expected) {
        assertEquals(expected, TENANTED_IS.rewriteLocation(location, HTTPS, PUBLIC));
    }

    @ParameterizedTest(name = "tenant cookie: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "commonAuthId=c1; Path=/t/wso2.com/; Secure; HttpOnly; SameSite=None | commonAuthId=c1; Path=/is/t/wso2.com/; Secure; HttpOnly; SameSite=None",
            "opbs=o1; Path=/t/wso2.com/; Secure; SameSite=None                   | opbs=o1; Path=/is/t/wso2.com/; Secure; SameSite=None",
            "opbs=o1; Path=/o/10084a8d-113f-4211-a0d5-efe36b082211/; Secure      | opbs=o1; Path=/is/o/10084a8d-113f-4211-a0d5-efe36b082211/; Secure",
            "JSESSIONID=j1; Path=/t/wso2.com/authenticationendpoint; HttpOnly     | JSESSIONID=j1; Path=/is/t/wso2.com/authenticationendpoint; HttpOnly",
            "commonAuthId=c1; Path=/; Secure                                      | commonAuthId=c1; Path=/is/; Secure",
    })
    void tenantedSessionCookiesUnderAPublicPrefix(String setCookie, String expected) {
        assertEquals(expected, TENANTED_IS.rewriteSetCookie(setCookie));
    }

    /** { prefix = "/is/", pool = is, rewrite = "/" } with the wso2-is-7 profile's origins. */
    private static final ReverseRewriter TENANTED_IS = new ReverseRewriter(List.of(new Mapping("/is/", "/")),
            List.of(URI.create("https://localhost:9443"), URI.create("http://localhost:9763")), false);

    @Test
    void aContextWithoutItsTrailingSlashMapsInCookiesAndRedirects() {
        ReverseRewriter ctx = new ReverseRewriter(List.of(new Mapping("/app/", "/ctx/"), new Mapping("/", "/root/")),
                List.of(URI.create("http://10.0.0.1:8080")), false);
        assertEquals("JSESSIONID=a; Path=/app; HttpOnly", ctx.rewriteSetCookie("JSESSIONID=a; Path=/ctx; HttpOnly"));
        assertEquals("JSESSIONID=a; Path=/", ctx.rewriteSetCookie("JSESSIONID=a; Path=/root"));
        assertEquals("https://sso.example.com/app/", ctx.rewriteLocation("http://10.0.0.1:8080/ctx", HTTPS, PUBLIC));
        assertEquals("/app/?x=1", ctx.rewriteLocation("/ctx?x=1", HTTPS, PUBLIC));
        assertNull(ctx.rewriteSetCookie("JSESSIONID=a; Path=/ctxother"), "a longer name is another context");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://localhost:9443/commonauth      | https://localhost:9443",
            "http://127.0.0.1:9763/x                 | http://127.0.0.1:9763",
            "http://10.9.9.9:9443/carbon             | http://10.9.9.9:9443",
            "https://172.20.1.1/x                    | https://172.20.1.1:443",
            "http://[::1]:8080/                      | http://[::1]:8080",
            "https://node1.local:9443/               | https://node1.local:9443",
            "https://is.internal:9763/x              | https://is.internal:9763",
    })
    void anUnlistedLocalPrivateOrMemberHostOriginIsALeak(String location, String origin) {
        ReverseRewriter is = new ReverseRewriter(List.of(new Mapping("/is-", "/")), List.of(URI.create("https://is.internal:9443")), false);
        assertEquals(origin, is.unlistedInternalOrigin(location, PUBLIC));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://www.example.com/x", "https://8.8.8.8/", "https://is.internal:9443/listed",
            "https://10.0.0.5/intranet-public", "/relative"})
    void publicListedAndOwnOriginsAreNoLeak(String location) {
        ReverseRewriter is = new ReverseRewriter(List.of(new Mapping("/is-", "/")), List.of(URI.create("https://is.internal:9443")), false);
        assertNull(is.unlistedInternalOrigin(location, "10.0.0.5"));
    }
}
