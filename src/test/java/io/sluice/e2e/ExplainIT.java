package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RecordingBackend;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.WireHttp;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /api/v1/explain and real traffic come from one decision: for each case the status that
 * explain predicts is the status a real request gets, including the cases where they
 * once disagreed (a body over max-body-size, a rewrite that creates a dot-segment, a lone
 * member that is disabled).
 */
class ExplainIT {
    @TempDir
    Path dir;

    private static String explain(RunningSluice sluice, String query) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/api/v1/explain?" + query);
        return Http.get(Http.client(), uri).body();
    }

    private static String url(String path) {
        return "url=" + URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    @Test
    void explainPredictsWhatTrafficGets() throws Exception {
        try (RecordingBackend member = RecordingBackend.answering("ok");
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       limits.max-body-size = 1KiB
                       routes = [
                         { prefix = "/", pool = app }
                         { prefix = "/is-", pool = app, rewrite = "/app/" }
                         { prefix = "/off/", pool = off }
                       ]
                       pools {
                         app { members = [ { url = "%s" } ] }
                         off { members = [ { url = "%s", state = disabled } ] }
                       }
                       admin { bind = "127.0.0.1:0", open-read = on }
                     }
                     """.formatted(member.url(), member.url()))) {
            int port = sluice.port("http");

            String served = explain(sluice, url("/is-x?q=1"));
            assertTrue(served.contains("\"forwardedPath\":\"/app/x?q=1\"") && served.contains("\"member\":"), served);
            assertEquals(200, WireHttp.get(port, "/is-x?q=1", "Host: app").status());

            String tooLarge = explain(sluice, url("/big") + "&method=POST&header=" + URLEncoder.encode("Content-Length:5000", StandardCharsets.UTF_8));
            assertTrue(tooLarge.contains("\"status\":413"), tooLarge);
            assertEquals(413, WireHttp.exchange(port, List.of("POST /big HTTP/1.1", "Host: app", "Content-Length: 5000"), new byte[5000]).status());

            String dotSegment = explain(sluice, url("/is-../x"));
            assertTrue(dotSegment.contains("\"status\":400"), dotSegment);
            assertEquals(400, WireHttp.get(port, "/is-../x", "Host: app").status());

            String disabled = explain(sluice, url("/off/x"));
            assertTrue(disabled.contains("\"status\":503") && !disabled.contains("\"member\""), disabled);
            assertEquals(503, WireHttp.get(port, "/off/x", "Host: app").status());
            assertEquals(List.of("/app/x?q=1"), member.requests().stream().map(RecordingBackend.Request::path).toList());
        }
    }
}
