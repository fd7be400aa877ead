package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.sluice.testing.WireHttp;
import io.undertow.util.Headers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two routes to the same backend path of one pool ({@code /is-/} stripped to {@code /}, and
 * {@code /} as itself): the redirects and cookies of each response map back through the
 * route its request came in by. Mapped by list order alone, a session cookie set on
 * {@code Path=/} for a client on {@code /} would move to {@code /is-/}, and that client's
 * next request would arrive without its session.
 */
class SharedBackendPathIT {
    @TempDir
    Path dir;

    @Test
    void eachResponseMapsBackThroughItsOwnRoute() throws Exception {
        try (UndertowBackend backend = UndertowBackend.http(exchange -> {
                exchange.setStatusCode(302);
                exchange.getResponseHeaders().put(Headers.LOCATION, "/commonauth");
                exchange.getResponseHeaders().put(Headers.SET_COOKIE, "JSESSIONID=abc.node1; Path=/; HttpOnly");
                exchange.endExchange();
            });
             RunningSluice sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [ { name = web, bind = "127.0.0.1:0" } ]
                  routes = [
                    { prefix = "/is-/", pool = is, rewrite = "/" },
                    { prefix = "/", pool = is }
                  ]
                  pools { is { members = [ { url = "http://127.0.0.1:%d" } ] } }
                }
                """.formatted(backend.port()))) {
            int port = sluice.address("web").getPort();

            WireHttp.Response viaRoot = WireHttp.get(port, "/login", "Host: sso.example.com");
            assertEquals("/commonauth", viaRoot.header("Location"));
            assertEquals("JSESSIONID=abc.node1; Path=/; HttpOnly", viaRoot.header("Set-Cookie"));

            WireHttp.Response viaIs = WireHttp.get(port, "/is-/login", "Host: sso.example.com");
            assertEquals("/is-/commonauth", viaIs.header("Location"));
            assertEquals("JSESSIONID=abc.node1; Path=/is-/; HttpOnly", viaIs.header("Set-Cookie"));
        }
    }
}
