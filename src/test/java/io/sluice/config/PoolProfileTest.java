package io.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Product profiles: what a pool gets from one, what its own keys override, and mistakes located. */
class PoolProfileTest {
    @TempDir
    Path dir;

    private static final String BASE = """
            listeners = [ { name = http, bind = "127.0.0.1:0" } ]
            routes = [ { prefix = "/", pool = is } ]
            """;

    private SluiceConfig load(String body) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + BASE + body + "}\n");
        return ConfigLoader.load(file);
    }

    @Test
    void anIsPoolGetsTheProductsHealthCheckStickinessAndOrigins() throws Exception {
        PoolConfig is = load("pools { is { profile = wso2-is-7, members = [ { url = \"https://10.0.0.11:9443\" } ] } }\n").pools().get("is");
        assertEquals("wso2-is-7", is.profile());
        assertEquals("/api/health-check/v1.0/health", is.health().path());
        assertEquals(List.of(StickyConfig.AffinityMode.ROUTE, StickyConfig.AffinityMode.LEARN, StickyConfig.AffinityMode.INSERT),
                is.sticky().modes());
        assertEquals(List.of(URI.create("https://localhost:9443"), URI.create("http://localhost:9763")), is.internalOrigins());
        assertEquals(Duration.ofSeconds(300), is.responseTimeout());
    }

    @Test
    void thePoolsOwnKeysOverrideTheProfileKeyByKey() throws Exception {
        PoolConfig is = load("""
                pools { is { profile = wso2-is-7, members = [ { url = "https://10.0.0.11:9443" } ],
                             health.interval = 10s, sticky.modes = [insert], response-timeout = 60s } }
                """).pools().get("is");
        assertEquals("/api/health-check/v1.0/health", is.health().path(), "the rest of the profile's health block stays");
        assertEquals(Duration.ofSeconds(10), is.health().interval());
        assertEquals(List.of(StickyConfig.AffinityMode.INSERT), is.sticky().modes());
        assertEquals(Duration.ofSeconds(60), is.responseTimeout());
    }

    @Test
    void aGatewayPoolHasNoStickinessAndNoActiveCheck() throws Exception {
        PoolConfig gateway = load("pools { is { profile = wso2-apim-4-gateway, members = [ { url = \"https://10.0.0.21:8243\" } ] } }\n")
                .pools().get("is");
        assertTrue(gateway.sticky().modes().isEmpty());
        assertTrue(!gateway.health().enabled());
    }

    @Test
    void aSiteMayDefineItsOwnProfiles() throws Exception {
        PoolConfig is = load("""
                pool-profiles { tomcat { health.path = "/ping", sticky.modes = [route] } }
                pools { is { profile = tomcat, members = [ { url = "http://10.0.0.11:8080" } ] } }
                """).pools().get("is");
        assertEquals("/ping", is.health().path());
    }

    @Test
    void mistakesAreLocated() throws Exception {
        Path file = dir.resolve("sluice.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                pool-profiles { mine { helth.path = "/x" } }
                pools { is { profile = wso2-is7, members = [ { url = "https://10.0.0.11:9443" } ] } }
                """));
        List<String> problems = e.problems().stream().map(Problem::render).toList();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(file + ":5: sluice.pools.is.profile: no profile is named \"wso2-is7\"")
                && p.contains("did you mean \"wso2-is-7\"?")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(file + ":4: sluice.pool-profiles.mine.helth: unknown key \"helth\"")),
                problems.toString());
    }

    @Test
    void theWebSocketProfileChecksTheGatewaysHealthUrlAndKeepsQuietSocketsOpen() throws Exception {
        PoolConfig ws = load("pools { is { profile = wso2-apim-4-websocket, members = [ { url = \"http://10.0.0.21:9099\" } ] } }\n")
                .pools().get("is");
        assertEquals("/health", ws.health().path(), "APIM 4 answers GET /health on 9099 and 8099");
        assertEquals(200, ws.health().statusFrom());
        assertEquals(200, ws.health().statusTo());
        assertTrue(ws.sticky().modes().isEmpty());
        assertTrue(ws.websocketIdleTimeout().compareTo(Duration.ofMinutes(5)) > 0, "WSO2 needs at least 5 minutes of silence");
    }

    @Test
    void isAndApimOnOneHostInsertCookiesOfTheirOwn() throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/is/", pool = is, rewrite = "/" }, { prefix = "/", pool = apim } ]
                  pools {
                    is { profile = wso2-is-7, members = [ { url = "https://10.0.0.11:9443" } ] }
                    apim { profile = wso2-apim-4-control-plane, members = [ { url = "https://10.0.0.21:9443" } ] }
                  }
                }
                """);
        SluiceConfig config = ConfigLoader.load(file);
        assertEquals("SLUICEID_IS", config.pools().get("is").sticky().insert().cookie());
        assertEquals("SLUICEID_APIM", config.pools().get("apim").sticky().insert().cookie());
    }

    @Test
    void twoPoolsInsertingOneCookieForOneHostAreRefused() throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [
                    { host = sso.example.com, prefix = "/is/", pool = is, rewrite = "/" }
                    { host = other.example.com, prefix = "/", pool = apim }
                    { host = sso.example.com, prefix = "/", pool = apim }
                  ]
                  pools {
                    is { profile = wso2-is-7, sticky.insert.cookie = AFFINITY, members = [ { url = "https://10.0.0.11:9443" } ] }
                    apim { profile = wso2-apim-4-control-plane, sticky.insert.cookie = AFFINITY, members = [ { url = "https://10.0.0.21:9443" } ] }
                  }
                }
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        List<String> problems = e.problems().stream().map(Problem::render).toList();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file + ":6: sluice.routes[2].pool: pools \"is\" and \"apim\" both insert the affinity cookie "
                + "AFFINITY on host sso.example.com"), problems.toString());
        assertTrue(problems.get(0).contains("pools.apim.sticky.insert.cookie = AFFINITY_APIM"), problems.toString());
    }
}
