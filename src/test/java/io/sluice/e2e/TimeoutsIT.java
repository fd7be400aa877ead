package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway status codes: a backend silent past response-timeout gives 504, one that
 * hangs up without answering gives 502, and a backend's own 503 passes through as is.
 */
class TimeoutsIT {
    @TempDir
    Path dir;

    @Test
    void silentBackendGives504() throws Exception {
        try (MockWebServer backend = new MockWebServer()) {
            backend.start(InetAddress.getLoopbackAddress(), 0);
            backend.enqueue(new MockResponse.Builder().headersDelay(4, TimeUnit.SECONDS).body("late").build());
            backend.enqueue(new MockResponse.Builder().body("on time").build());
            try (RunningSluice sluice = RunningSluice.start(dir, """
                    sluice {
                      listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                      routes = [ { prefix = "/", pool = slow } ]
                      pools { slow { members = [ { url = "http://127.0.0.1:%d" } ], response-timeout = 1s } }
                    }
                    """.formatted(backend.getPort()))) {
                HttpResponse<String> timedOut = Http.get(Http.client(), sluice.uri("http", "/slow"));
                assertEquals(504, timedOut.statusCode(), timedOut.body());
                assertTrue(!timedOut.body().contains("late"), timedOut.body());
                HttpResponse<String> next = Http.get(Http.client(), sluice.uri("http", "/fast"));
                assertEquals(200, next.statusCode());
                assertEquals("on time", next.body());
            }
        }
    }

    private static RunningSluice sluice(Path dir, MockWebServer backend) throws Exception {
        return RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                }
                """.formatted(backend.getPort()));
    }

    @Test
    void backendHangingUpWithoutAnAnswerGives502() throws Exception {
        try (MockWebServer backend = new MockWebServer()) {
            backend.start(InetAddress.getLoopbackAddress(), 0);
            // twice: Undertow's proxy retries an idempotent request once
            for (int i = 0; i < 3; i++) {
                backend.enqueue(new MockResponse.Builder().onResponseStart(new mockwebserver3.SocketEffect.CloseSocket()).build());
            }
            try (RunningSluice sluice = sluice(dir, backend)) {
                HttpResponse<String> response = Http.get(Http.client(), sluice.uri("http", "/"));
                assertEquals(502, response.statusCode(), response.body());
            }
        }
    }

    @Test
    void backendsOwn503PassesThrough() throws Exception {
        try (MockWebServer backend = new MockWebServer()) {
            backend.start(InetAddress.getLoopbackAddress(), 0);
            backend.enqueue(new MockResponse.Builder().code(503).body("starting up").build());
            try (RunningSluice sluice = sluice(dir, backend)) {
                HttpResponse<String> response = Http.get(Http.client(), sluice.uri("http", "/"));
                assertEquals(503, response.statusCode());
                assertEquals("starting up", response.body());
            }
        }
    }
}
