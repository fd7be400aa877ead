package io.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every class of configuration mistake gets its own located message and hint, never a stack trace. */
class ConfigErrorsTest {
    @TempDir
    Path dir;

    private static final String LISTENER = "listeners = [ { name = http, bind = \"127.0.0.1:0\" } ]\n";
    private static final String POOL = "pools { is { members = [ { url = \"http://127.0.0.1:9763\", route = n1 } ] } }\n";
    private static final String ROUTE = "routes = [ { prefix = \"/\", pool = is } ]\n";

    private List<String> problems(String body) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + body + "}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        return e.problems().stream().map(Problem::render).toList();
    }

    private String file() {
        return dir.resolve("sluice.conf").toString();
    }

    @Test
    void validMinimalConfigLoads() throws Exception {
        Path file = dir.resolve("ok.conf");
        Files.writeString(file, "sluice {\n" + LISTENER + ROUTE + POOL + "}\n");
        SluiceConfig config = ConfigLoader.load(file);
        assertEquals("is", config.routes().get(0).pool());
        assertEquals(300, config.pools().get("is").responseTimeout().toSeconds());
        assertEquals(-1, config.limits().maxBodySize());
        assertEquals(java.util.Set.of("TRACE"), config.denyMethods());
    }

    @Test
    void poolsKeepTheOrderOfTheFile() throws Exception {
        Path file = dir.resolve("ordered.conf");
        Files.writeString(file, "sluice {\n" + LISTENER + "routes = [ { prefix = \"/\", pool = zeta } ]\npools {\n"
                + "  zeta { members = [ { url = \"http://127.0.0.1:1\" } ] }\n"
                + "  alpha { members = [ { url = \"http://127.0.0.1:2\" } ] }\n"
                + "  mid { members = [ { url = \"http://127.0.0.1:3\" } ] }\n}\n}\n");
        assertEquals(List.of("zeta", "alpha", "mid"), List.copyOf(ConfigLoader.load(file).pools().keySet()));
    }

    @Test
    void problemsComeInTheOrderOfTheFile() throws Exception {
        // routes are read after pools, yet their problem, two lines up, is listed first
        List<String> problems = problems(LISTENER + "routes = [ { prefix = \"/\", pool = is, retries = 99 } ]\n"
                + "pools { is { members = [ { url = \"http://127.0.0.1:9763\" } ], connect-timeout = 0s } }\n");
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file() + ":3: sluice.routes[0].retries"), problems.toString());
        assertTrue(problems.get(1).startsWith(file() + ":4: sluice.pools.is.connect-timeout"), problems.toString());
    }

    @Test
    void unknownKeySuggestsTheClosestOne() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE
                + "pools { is {\n members = [ { url = \"http://127.0.0.1:9763\" } ]\n conect-timeout = 2s\n } }\n");
        assertEquals(List.of(file() + ":6: sluice.pools.is.conect-timeout: unknown key \"conect-timeout\"\n"
                + "    hint: did you mean \"connect-timeout\"?"), problems);
    }

    @Test
    void unknownKeyInAListElementAndAtTopLevel() throws Exception {
        List<String> problems = problems("listeners = [ { name = http, bind = \"127.0.0.1:0\", http3 = on } ]\n" + ROUTE + POOL);
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith(file() + ":2: sluice.listeners[0].http3: unknown key \"http3\""), problems.get(0));
        assertTrue(problems.get(0).contains("did you mean \"http2\"?"), problems.get(0));
    }

    @Test
    void wrongTypeNamesWhatWasExpected() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE
                + "pools { is { members = [ { url = \"http://127.0.0.1:9763\" } ], connect-timeout = fast } }\n");
        assertEquals(List.of(file() + ":4: sluice.pools.is.connect-timeout: expected a duration such as 500ms, 5s, 2m or 1h, found \"fast\""),
                problems);
    }

    @Test
    void recentSessionWindowMustBeBoundedAndLongerThanZero() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE
                + "pools { is { members = [ { url = \"http://127.0.0.1:9763\" } ]\n"
                + "sticky.recent { window = 0s, max-entries = 8 } } }\n");
        assertEquals(List.of(file() + ":5: sluice.pools.is.sticky.recent.window: must be longer than zero",
                file() + ":5: sluice.pools.is.sticky.recent.max-entries: must be between 16 and 10000000, not 8"), problems);
    }

    @Test
    void badMemberUrls() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE + "pools { is { members = [\n"
                + " { url = \"ftp://10.0.0.1\" }\n"
                + " { url = \"http://\" }\n"
                + " { url = \"http://10.0.0.1:9763?x=1\" }\n"
                + " { url = \"\" }\n"
                + "] } }\n");
        assertEquals(List.of(
                file() + ":5: sluice.pools.is.members[0].url: \"ftp://10.0.0.1\" must start with http:// or https://",
                file() + ":6: sluice.pools.is.members[1].url: \"http://\" is not a valid URL: Expected authority",
                file() + ":7: sluice.pools.is.members[2].url: \"http://10.0.0.1:9763?x=1\" must not carry a query, fragment or user info",
                file() + ":8: sluice.pools.is.members[3].url: a member needs a url\n    hint: e.g. url = \"https://10.0.0.11:9443\""),
                problems);
    }

    @Test
    void routeToUnknownPoolSuggestsOne() throws Exception {
        List<String> problems = problems(LISTENER + "routes = [ { prefix = \"/\", pool = iss } ]\n" + POOL);
        assertEquals(List.of(file() + ":3: sluice.routes[0].pool: no pool is named \"iss\"\n    hint: did you mean \"is\"?"), problems);
    }

    @Test
    void duplicateNamesAndBinds() throws Exception {
        List<String> problems = problems("listeners = [\n"
                + " { name = web, bind = \"127.0.0.1:8080\" }\n"
                + " { name = web, bind = \"0.0.0.0:8080\" }\n"
                + "]\n" + ROUTE + POOL);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file() + ":4: sluice.listeners[1].name: duplicate listener name \"web\""), problems.get(0));
        assertTrue(problems.get(0).contains("first defined at " + file() + ":3"), problems.get(0));
        assertTrue(problems.get(1).startsWith(file() + ":4: sluice.listeners[1].bind: bind 0.0.0.0:8080 collides with 127.0.0.1:8080"),
                problems.get(1));
    }

    @Test
    void duplicateRoutesAndMemberRoutes() throws Exception {
        List<String> problems = problems(LISTENER
                + "routes = [ { prefix = \"/a\", pool = is }, { prefix = \"/a\", pool = is } ]\n"
                + "pools { is { members = [ { url = \"http://10.0.0.1:1\", route = n1 }, { url = \"http://10.0.0.2:1\", route = n1 } ] } }\n");
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.routes[1].name: duplicate route name \"/a\"")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.routes[1].prefix: another route already matches prefix \"/a\"")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.pools.is.members[1].route: two members of pool \"is\" share route \"n1\"")),
                problems.toString());
    }

    @Test
    void missingCertificateFile() throws Exception {
        List<String> problems = problems("listeners = [ { name = https, bind = \"127.0.0.1:0\", tls { certificate = missing.crt, key = missing.key } } ]\n"
                + ROUTE + POOL);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file() + ":2: sluice.listeners[0].tls.certificate: "), problems.get(0));
        assertTrue(problems.get(0).contains(dir.resolve("missing.crt").toString()), problems.get(0));
    }

    @Test
    void aMissingKeyFileIsReportedUnderKey() throws Exception {
        io.sluice.testing.TestCertificates.PemFiles cert = io.sluice.testing.TestCertificates.write(dir, "RSA", "localhost");
        List<String> problems = problems("listeners = [ { name = https, bind = \"127.0.0.1:0\", tls { certificate = \""
                + cert.certificate() + "\", key = missing.key } } ]\n" + ROUTE + POOL);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file() + ":2: sluice.listeners[0].tls.key: "), problems.get(0));
    }

    @Test
    void certificateWithoutKeyAndHttpsWithoutCertificate() throws Exception {
        List<String> problems = problems("listeners = [\n"
                + " { name = a, bind = \"127.0.0.1:0\", tls { certificate = x.crt } }\n"
                + " { name = b, bind = \"127.0.0.1:0\", tls { } }\n"
                + "]\n" + ROUTE + POOL);
        assertTrue(problems.contains(file() + ":3: sluice.listeners[0].tls.key: certificate is set but key is not\n    hint: key = <PKCS#8 PEM key file>"),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(file() + ":4: sluice.listeners[1].tls: an https listener needs a certificate")),
                problems.toString());
    }

    @Test
    void redirectToMustNameAnHttpsListener() throws Exception {
        List<String> problems = problems("listeners = [\n"
                + " { name = http, bind = \"127.0.0.1:0\", redirect-to = web }\n"
                + " { name = web, bind = \"127.0.0.1:0\" }\n"
                + "]\n" + ROUTE + POOL);
        assertEquals(List.of(file() + ":3: sluice.listeners[0].redirect-to: listener \"web\" is not https\n    hint: redirect to a listener with a tls block"),
                problems);
    }

    @Test
    void weightZeroPointsAtMemberStates() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE + "pools { is { members = [ { url = \"http://10.0.0.1:1\", weight = 0 } ] } }\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("sluice.pools.is.members[0].weight: weight 0 is not supported"), problems.get(0));
        assertTrue(problems.get(0).contains("state = draining or disabled"), problems.get(0));
    }

    @Test
    void routeNeedsPoolOrStatusNotBoth() throws Exception {
        List<String> problems = problems(LISTENER + "routes = [ { prefix = \"/x\" }, { prefix = \"/y\", pool = is, status = 404 }, { prefix = \"z\", status = 404 } ]\n" + POOL);
        assertTrue(problems.stream().anyMatch(p -> p.contains("routes[0].pool: route \"/x\" names neither a pool nor a status")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("routes[1].status: route \"/y\" sets both pool and status")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("routes[2].prefix: prefix \"z\" must start with /")), problems.toString());
    }

    @Test
    void obsoleteTlsProtocolIsRefused() throws Exception {
        List<String> problems = problems("listeners = [ { name = s, bind = \"127.0.0.1:0\", tls { self-signed = [localhost], protocols = [TLSv1.1] } } ]\n"
                + ROUTE + POOL);
        assertTrue(problems.stream().anyMatch(p -> p.contains("tls.protocols: protocol \"TLSv1.1\" is not allowed")), problems.toString());
    }

    @Test
    void syntaxErrorIsLocated() throws Exception {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "sluice {\n  listeners = [ { name = http,, } \n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).render().startsWith(file + ":2: "), e.problems().get(0).render());
    }

    @Test
    void missingFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.conf")));
        assertEquals(dir.resolve("nope.conf") + ": no such configuration file\n    hint: pass the path of a HOCON file, e.g. sluice check -c /etc/sluice/sluice.conf",
                e.problems().get(0).render());
    }

    @Test
    void everyProblemIsReportedInOnePass() throws Exception {
        List<String> problems = problems("listeners = [ { name = http, bind = \"nowhere\" } ]\n"
                + "routes = [ { prefix = \"/\", pool = nope } ]\n"
                + "pools { is { members = [ { url = \"gopher://x\" } ], retries = many } }\n"
                + "colour = blue\n");
        assertEquals(5, problems.size(), String.join("\n", problems));
    }

    @Test
    void unknownTopLevelKey() throws Exception {
        Path file = dir.resolve("top.conf");
        Files.writeString(file, "sluice {\n" + LISTENER + ROUTE + POOL + "}\nsluic { }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(file + ":6: sluic: unknown top-level key \"sluic\"\n    hint: every setting lives inside sluice { ... }", e.problems().get(0).render());
    }

    @Test
    void rewriteThatWouldJoinBadlyIsRefused() throws Exception {
        List<String> problems = problems(LISTENER + "routes = [ { prefix = \"/app/\", pool = is, rewrite = \"/backend\" } ]\n" + POOL);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file() + ":3: sluice.routes[0].rewrite: "), problems.get(0));
        assertTrue(problems.get(0).contains("hint: end both prefix and rewrite with /"), problems.get(0));
    }

    @Test
    void prefixMustBeInCanonicalForm() throws Exception {
        List<String> problems = problems(LISTENER + "routes = [ { prefix = \"/caf%c3%a9\", pool = is }, { prefix = \"/a//b\", pool = is } ]\n" + POOL);
        assertTrue(problems.contains(file() + ":3: sluice.routes[0].prefix: \"/caf%c3%a9\" is not in canonical form\n    hint: write \"/caf%C3%A9\""),
                problems.toString());
        assertTrue(problems.contains(file() + ":3: sluice.routes[1].prefix: \"/a//b\" is not in canonical form\n    hint: write \"/a/b\""),
                problems.toString());
    }

    @Test
    void memberContextPathMustBePlain() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE + "pools { is { members = [ { url = \"http://10.0.0.1:1/a%2Fb\" } ] } }\n");
        assertEquals(List.of(file() + ":4: sluice.pools.is.members[0].url: the context path of \"http://10.0.0.1:1/a%2Fb\" may hold letters, digits and - . _ ~ / only"),
                problems);
    }

    @Test
    void unwritableAccessLogIsFoundByCheck() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE + POOL + "access-log { file = \"/proc/forbidden/access.log\" }\n");
        assertEquals(List.of(file() + ":5: sluice.access-log.file: cannot write the access log /proc/forbidden/access.log\n"
                + "    hint: create its directory and let the sluice user write there"), problems);
    }

    @Test
    void serverNamesMustBeHostNamesOrWildcards() throws Exception {
        List<String> problems = problems("listeners = [ { name = http, bind = \"127.0.0.1:0\",\n"
                + " server-names = [\"https://sso.example.com\", \"sso.example.com:443\", \"*\", \"a.*.example.com\", \"user@x\"] } ]\n"
                + ROUTE + POOL);
        String hint = "\n    hint: write host names as sso.example.com or *.example.com, IP addresses as 10.0.0.5 or [fd00::5]";
        String at = file() + ":3: sluice.listeners[0].server-names: ";
        assertEquals(List.of(
                at + "\"https://sso.example.com\": not a host name or IP address (no scheme, port or path)" + hint,
                at + "\"sso.example.com:443\": not a host name or IP address (no scheme, port or path)" + hint,
                at + "\"*\": a wildcard is written *.example.com" + hint,
                at + "\"a.*.example.com\": a wildcard is written *.example.com" + hint,
                at + "\"user@x\": not a host name or IP address (no scheme, port or path)" + hint), problems);
    }

    @Test
    void serverNamesAreNormalisedAndDefaultToAnyHost() throws Exception {
        Path file = dir.resolve("ok.conf");
        Files.writeString(file, "sluice {\n listeners = [ { name = a, bind = \"127.0.0.1:0\", server-names = [SSO.Example.com., \"*.Example.org\", sso.example.com] }\n"
                + " { name = b, bind = \"127.0.0.1:1\" } ]\n" + ROUTE + POOL + "}\n");
        SluiceConfig config = ConfigLoader.load(file);
        assertEquals(List.of("sso.example.com", "*.example.org"), config.listener("a").serverNames());
        assertEquals(List.of(), config.listener("b").serverNames());
    }

    @Test
    void admissionLimitsHaveFiniteDefaults() throws Exception {
        Path file = dir.resolve("ok.conf");
        Files.writeString(file, "sluice {\n" + LISTENER + ROUTE + POOL + "}\n");
        SluiceConfig config = ConfigLoader.load(file);
        LimitsConfig limits = config.limits();
        assertEquals(10_000, limits.maxConnections());
        assertEquals(0, limits.maxConnectionsPerClient());
        assertEquals(10, limits.tlsHandshakeTimeout().toSeconds());
        assertEquals(60, limits.bodyIdleTimeout().toSeconds());
        assertEquals(60, limits.writeTimeout().toSeconds());
        assertEquals(100, limits.maxConcurrentStreams());
        assertEquals(1000, limits.maxTlsHandshakes());
        assertEquals(10_000, config.listeners().get(0).maxConnections());
        assertEquals(false, config.listeners().get(0).h2c(), "h2c is opt-in");
    }

    @Test
    void badAdmissionLimitsAreLocated() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE + POOL + "limits {\n"
                + " max-connections = 0\n"
                + " tls-handshake-timeout = 0s\n"
                + " body-idle-timeout = soon\n"
                + " http2-max-concurrent-streams = 100000\n"
                + "}\n");
        assertEquals(List.of(
                file() + ":6: sluice.limits.max-connections: must be between 1 and 1000000, not 0",
                file() + ":7: sluice.limits.tls-handshake-timeout: must be longer than zero",
                file() + ":8: sluice.limits.body-idle-timeout: expected a duration such as 500ms, 5s, 2m or 1h, found \"soon\"",
                file() + ":9: sluice.limits.http2-max-concurrent-streams: must be between 1 and 10000, not 100000"), problems);
    }

    @Test
    void perClientCapAboveTheTotalIsRefused() throws Exception {
        List<String> problems = problems(LISTENER + ROUTE + POOL + "limits { max-connections = 100, max-connections-per-client = 500 }\n");
        assertEquals(List.of(file() + ":5: sluice.limits.max-connections-per-client: the per-client cap (500) is above max-connections (100),"
                + " so it could never apply\n    hint: lower it, or 0 for no per-client cap"), problems);
    }

    @Test
    void listenerAdmissionKeysAreChecked() throws Exception {
        List<String> problems = problems("listeners = [\n"
                + " { name = http, bind = \"127.0.0.1:0\", max-connections = -5 }\n"
                + " { name = https, bind = \"127.0.0.1:0\", h2c = on, tls { self-signed = [localhost] } }\n"
                + "]\n" + ROUTE + POOL);
        assertEquals(List.of(
                file() + ":3: sluice.listeners[0].max-connections: must be between 1 and 1000000, not -5",
                file() + ":4: sluice.listeners[1].h2c: h2c is HTTP/2 over cleartext, for plain http listeners\n"
                        + "    hint: an https listener speaks HTTP/2 through ALPN: http2 = on"), problems);
    }
}
