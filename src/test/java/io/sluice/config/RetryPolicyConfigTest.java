package io.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retry policy and pool limits as the file states them: defaults, route overrides, and every mistake located. */
class RetryPolicyConfigTest {
    @TempDir
    Path dir;

    private static final String LISTENER = "listeners = [ { name = http, bind = \"127.0.0.1:0\" } ]\n";

    private SluiceConfig load(String body) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + body + "}\n");
        return ConfigLoader.load(file);
    }

    private List<String> problems(String body) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load(body));
        return e.problems().stream().map(Problem::render).toList();
    }

    @Test
    void defaultsRetryOnlyWhatSentNothingOrCameBackEmpty() throws Exception {
        SluiceConfig config = load(LISTENER + "routes = [ { prefix = \"/\", pool = is } ]\n"
                + "pools { is { members = [ { url = \"http://127.0.0.1:9763\" } ] } }\n");
        PoolConfig pool = config.pools().get("is");
        assertEquals(new RetryPolicy(1, Set.of(RetryPolicy.Cause.CONNECT_FAILURE, RetryPolicy.Cause.EMPTY_RESPONSE),
                Duration.ofSeconds(30)), pool.retry());
        assertEquals(pool.retry(), config.routes().get(0).retry(), "a route without overrides takes the pool's policy");
        assertEquals(2000, pool.maxConnections());
        assertEquals(1000, pool.maxPending());
    }

    @Test
    void aRouteOverridesRetryOnAndRetriesAndKeepsTheRest() throws Exception {
        SluiceConfig config = load(LISTENER + """
                routes = [
                  { prefix = "/a/", pool = is, retry-on = [] }
                  { prefix = "/b/", pool = is, retries = 3 }
                  { prefix = "/c/", pool = is, retry-on = null, retries = null }
                ]
                pools { is { members = [ { url = "http://127.0.0.1:9763" } ], retry-on = [connect-failure, response-timeout],
                             retry-deadline = 10s } }
                """);
        RetryPolicy pool = config.pools().get("is").retry();
        assertEquals(new RetryPolicy(1, Set.of(), Duration.ofSeconds(10)), config.routes().get(0).retry());
        assertEquals(new RetryPolicy(3, pool.on(), Duration.ofSeconds(10)), config.routes().get(1).retry());
        assertEquals(pool, config.routes().get(2).retry());
    }

    @Test
    void mistakesAreLocatedWithAHint() throws Exception {
        List<String> problems = problems(LISTENER + """
                routes = [ { prefix = "/", pool = is, retry-on = [500] }, { prefix = "/gone", status = 410, retries = 2 } ]
                pools { is { members = [ { url = "http://127.0.0.1:9763" } ], retry-on = [connect-failur], retries = 11,
                             retry-deadline = 0s, max-connections = 0, max-pending = -1 } }
                """);
        String file = dir.resolve("sluice.conf").toString();
        assertTrue(problems.contains(file + ":3: sluice.routes[0].retry-on: \"500\" is not a retry cause\n"
                + "    hint: connect-failure, empty-response, response-timeout, 502, 503 or 504; [] never retries"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(file + ":3: sluice.routes[1].retries: a fixed-status route has nothing to retry")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(file + ":4: sluice.pools.is.retry-on: \"connect-failur\" is not a retry cause")),
                problems.toString());
        for (String key : List.of("retries", "retry-deadline", "max-connections", "max-pending")) {
            assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.pools.is." + key + ":")), key + " in " + problems);
        }
    }
}
