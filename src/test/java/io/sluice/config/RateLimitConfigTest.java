package io.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limits as the file states them: off by default, rates in three spellings, and mistakes located. */
class RateLimitConfigTest {
    @TempDir
    Path dir;

    private static final String BASE = """
            listeners = [ { name = http, bind = "127.0.0.1:0" } ]
            pools { is { members = [ { url = "http://127.0.0.1:9763" } ] } }
            """;

    private SluiceConfig load(String body) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + BASE + body + "}\n");
        return ConfigLoader.load(file);
    }

    @Test
    void offByDefaultAndReadInEverySpelling() throws Exception {
        SluiceConfig config = load("""
                routes = [
                  { prefix = "/", pool = is }
                  { prefix = "/a", pool = is, rate-limit { per-client = "20/s", total = "600/m", burst = 5 } }
                  { prefix = "/b", pool = is, rate-limit { per-client = 2.5 } }
                ]
                """);
        assertFalse(config.rateLimit().enabled());
        assertEquals(65536, config.rateLimit().clients());
        assertFalse(config.routes().get(0).rateLimit().enabled());
        assertEquals(new RateLimitConfig(20, 10, 5, 65536), config.routes().get(1).rateLimit());
        assertEquals(2.5, config.routes().get(2).rateLimit().perClient());
    }

    @Test
    void badRatesAreLocated() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                rate-limit { per-client = "fast", clients = 10 }
                routes = [ { prefix = "/", pool = is, rate-limit { total = "20000/s", burst = -1 } } ]
                """));
        List<String> problems = e.problems().stream().map(Problem::render).toList();
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.rate-limit.per-client: \"fast\" is not a request rate")
                && p.contains("hint: e.g. \"20/s\" or \"300/m\"")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.rate-limit.clients:")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.routes[0].rate-limit.total: rate 20000/s is outside 0..10000 per second")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("sluice.routes[0].rate-limit.burst:")), problems.toString());
    }
}
