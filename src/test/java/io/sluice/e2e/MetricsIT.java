package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics over real HTTP, checked by Prometheus's own parser (promtool), counters moving with traffic; MBeans over JMX. */
class MetricsIT {
    @TempDir
    Path dir;

    @Test
    void countersMoveAndPromtoolAcceptsTheText() throws Exception {
        try (Node a = Node.start("a", Node.Sessions.NONE); Node b = Node.start("b", Node.Sessions.NONE);
             MockWebServer leaky = new MockWebServer()) {
            leaky.start(java.net.InetAddress.getLoopbackAddress(), 0);
            leaky.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "http://10.9.9.9:9763/carbon/").build());
            leaky.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "http://127.0.0.1:" + leaky.getPort() + "/app/x").build());
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [ { prefix = "/leaky/app", pool = leaky, rewrite = "/app" }, { prefix = "/", pool = app } ]
                      pools {
                        app { members = [ { url = "%s", route = a }, { url = "%s", route = b } ], sticky.modes = [route, learn] }
                        leaky { members = [ { url = "http://127.0.0.1:%d" } ], internal-origins = ["http://10.9.9.9:9763"] }
                      }
                      admin { bind = "127.0.0.1:0", open-read = on }
                    }
                    """.formatted(a.url(), b.url(), leaky.getPort()))) {
                URI metrics = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/metrics");
                HttpClient client = Http.client();
                String before = Http.get(client, metrics).body();
                for (int i = 0; i < 10; i++) {
                    assertEquals(200, Http.get(client, sluice.uri("http", "/")).statusCode());
                }
                Http.get(client, sluice.uri("http", "/leaky/app/a")); // Location: an internal origin outside every route: a leak
                Http.get(client, sluice.uri("http", "/leaky/app/b")); // Location: the member's /app/x: rewritten
                var response = Http.get(client, metrics);
                assertEquals(200, response.statusCode());
                assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
                String after = response.body();
                assertEquals(0, value(before, "sluice_member_requests_total{pool=\"app\",member=\"a\"}"));
                assertEquals(10, value(after, "sluice_member_requests_total{pool=\"app\",member=\"a\"}")
                        + value(after, "sluice_member_requests_total{pool=\"app\",member=\"b\"}"));
                assertEquals(10, value(after, "sluice_member_responses_total{pool=\"app\",member=\"a\",class=\"2xx\"}")
                        + value(after, "sluice_member_responses_total{pool=\"app\",member=\"b\",class=\"2xx\"}"));
                assertEquals(1, value(after, "sluice_member_up{pool=\"app\",member=\"a\"}"));
                assertEquals(1, value(after, "sluice_pool_redirects_rewritten_total{pool=\"leaky\"}"));
                assertEquals(1, value(after, "sluice_pool_redirect_leaks_total{pool=\"leaky\"}"));
                assertEquals(0, value(after, "sluice_pool_learned_sessions{pool=\"app\"}"));
                assertTrue(after.contains("jvm_memory_heap_used_bytes "), "JVM metrics");
                assertEquals(10, value(after, "sluice_route_requests_total{route=\"/\"}"));
                assertEquals(2, value(after, "sluice_route_requests_total{route=\"/leaky/app\"}"));
                assertEquals(12, value(after, "sluice_listener_requests_total{listener=\"http\"}"));
                assertTrue(value(after, "sluice_listener_sent_bytes_total{listener=\"http\"}") > 0);
                assertTrue(after.contains("sluice_pool_retries_total{pool=\"app\",cause=\"connect-failure\"} 0"), "retries are counted per pool");
                assertTrue(after.contains("sluice_listener_requests_refused_total{listener=\"http\",reason=\"obs-fold\"} 0"),
                        "refusals are counted per listener and reason, zeros included");
                // admission control: the connections open now, the limit, and counters that start at 0
                assertTrue(value(after, "sluice_connections_open") >= 1, after);
                assertEquals(10000, value(after, "sluice_connections_max"));
                assertTrue(value(after, "sluice_listener_connections_open{listener=\"http\"}") >= 1);
                for (String limit : new String[] {"listener-limit", "total-limit", "client-limit"}) {
                    assertTrue(after.contains("sluice_listener_connections_refused_total{listener=\"http\",limit=\"" + limit + "\"} 0\n"), limit);
                }
                assertTrue(after.contains("sluice_listener_silent_connections_closed_total{listener=\"http\"} 0\n"), after);
                assertTrue(after.contains("sluice_listener_tls_handshake_timeouts_total{listener=\"http\"} 0\n"), after);
                assertTrue(after.contains("sluice_listener_http2_streams_refused_total{listener=\"http\"} 0\n"), after);
                assertTrue(after.contains("sluice_request_body_idle_timeouts_total 0\n"), after);
                promtoolAccepts(after);

                // the same metrics are MBeans
                Set<ObjectName> beans = ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("sluice:*"), null);
                assertTrue(beans.stream().anyMatch(name -> name.toString().contains("sluice.member.app.a.requests")), beans.toString());
            }
        }
    }

    static double value(String text, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    /** Prometheus's own parser and linter: `promtool check metrics` (Debian package prometheus). */
    static void promtoolAccepts(String text) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool) && System.getenv("CI") == null) {
            System.out.println("MetricsIT: promtool not installed here; .ci/run installs it");
            return;
        }
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "promtool check metrics:\n" + output);
    }
}
