package io.sluice.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.pool.Member;
import io.sluice.testing.Http;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.ScriptedBackend;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * limits.max-header-size bounds the response heads members may send, and a reload that
 * changes it reaches the backend connections opened after it, also those of members the
 * reload carries over with their connection pools.
 */
class BackendHeadLimitReloadIT {
    /** A head of about 20 KB; the member closes every connection after it, so each request opens a new one. */
    private static final String BIG_HEAD_RESPONSE = "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(20_000)
            + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";

    @TempDir
    Path dir;

    @Test
    void aReloadedSmallerLimitRefusesTheHeadsOfNewConnectionsOfACarriedOverMember() throws Exception {
        Assumptions.assumeFalse("undertow".equals(System.getProperty(BackendClients.PROPERTY)), "Sluice's own backend connection");
        try (ScriptedBackend member = ScriptedBackend.answering(BIG_HEAD_RESPONSE);
             RunningSluice sluice = RunningSluice.start(dir, config(member.port(), "64KiB"))) {
            HttpClient client = Http.client();
            HttpResponse<String> before = Http.get(client, sluice.uri("http", "/"));
            assertEquals(200, before.statusCode());
            assertEquals("ok", before.body());
            Member carried = member(sluice);

            assertTrue(sluice.reload(config(member.port(), "16KiB")).applied());
            assertSame(carried, member(sluice), "the member and its connection pool are carried over");
            int connections = member.accepted();
            HttpResponse<String> after = Http.get(client, sluice.uri("http", "/"));
            assertEquals(502, after.statusCode(), "a new connection has the reloaded limit");
            assertTrue(member.accepted() > connections, "the request went on a new backend connection");

            assertTrue(sluice.reload(config(member.port(), "64KiB")).applied());
            assertEquals(200, Http.get(client, sluice.uri("http", "/")).statusCode(), "and back");
        }
    }

    private static Member member(RunningSluice sluice) {
        return sluice.server().generation().pools().get("app").members().get(0);
    }

    private static String config(int port, String maxHeaderSize) {
        return """
                sluice {
                  limits.max-header-size = %s
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { name = one, url = "http://127.0.0.1:%d" } ], retry-on = [] } }
                }
                """.formatted(maxHeaderSize, port);
    }
}
