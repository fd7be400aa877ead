package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.auth.PasswordHash;
import io.sluice.testing.HeadlessChromium;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import io.sluice.tls.SelfSignedCertificate;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The balancer-manager page in a real browser: charts with axes for members and routes,
 * sessions and drain progress, an ejected member's reason and countdown, the last health
 * check, listeners with certificate expiry, the configuration in force, and the forms
 * (drain, add, remove); screenshots wide and narrow are kept in target/screenshots/.
 */
class ManagerPageIT {
    @TempDir
    Path dir;

    @Test
    void thePageShowsWhatTheApiKnowsAndItsFormsWork() throws Exception {
        if (!HeadlessChromium.available() && System.getenv("CI") == null) {
            System.out.println("ManagerPageIT: chromium not installed here; .ci/run installs it");
            return;
        }
        String hash = PasswordHash.hash("page password".toCharArray());
        Path lasting = dir.resolve("sso.crt.pem");
        SelfSignedCertificate.writePem(SelfSignedCertificate.generate("RSA", List.of("sso.example.com"), Duration.ofDays(400)), lasting,
                dir.resolve("sso.key.pem"));
        TestCertificates.PemFiles expiring = TestCertificates.write(dir, "RSA", "old.example.com"); // valid for 1 day
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort(); // nothing listens here once closed: connects are refused
        }
        try (Node a = Node.start("a", Node.Sessions.NONE); Node b = Node.start("b", Node.Sessions.NONE); Node c = Node.start("c", Node.Sessions.NONE);
             Node gateway = Node.start("gw1", Node.Sessions.NONE);
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [
                         { name = http, bind = "127.0.0.1:0" }
                         { name = https, bind = "127.0.0.1:0", tls { engine = jdk, certificates = [
                           { certificate = "%s", key = sso.key.pem }
                           { %s }
                         ] } }
                       ]
                       routes = [
                         { prefix = "/", pool = app }
                         { prefix = "/api", pool = gateway, name = api }
                         { prefix = "/balancer-manager", status = 404 }
                       ]
                       pools {
                         app {
                           members = [ { url = "%s", route = a }, { url = "%s", route = b } ]
                           health { path = "/", interval = 1s, timeout = 500ms }
                           sticky.recent.window = 2m
                         }
                         gateway {
                           members = [ { url = "%s", name = gw1 }, { url = "http://127.0.0.1:%d", name = gw2 } ]
                           sticky.modes = []
                           problem-retry = 60s
                         }
                       }
                       admin { bind = "127.0.0.1:0", users = [ { name = ops, password = "%s" } ] }
                     }
                     """.formatted(lasting.getFileName(), expiring.hocon(), a.url(), b.url(), gateway.url(), deadPort, hash));
             HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("profile"))) {
            HttpClient client = Http.client();
            AtomicBoolean stop = new AtomicBoolean();
            Thread traffic = new Thread(() -> { // a steady load, so the charts have lines to draw
                int i = 0;
                while (!stop.get()) {
                    try {
                        Http.get(client, sluice.uri("http", i % 3 == 0 ? "/api/x" : "/"), "Cookie", "JSESSIONID=s" + (i % 2) + ".a");
                        Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=t.b");
                        i++;
                        Thread.sleep(20 + (i / 60 % 4) * 25); // a rate that changes, for the charts
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "page-traffic");
            traffic.start();
            try {
                // two samples of the rate history, and health checks; -Dmanager.page.warmup=240 for screenshots with history
                Thread.sleep(Long.getLong("manager.page.warmup", 11) * 1000);
                String admin = "http://127.0.0.1:" + sluice.server().adminAddress().getPort();
                String auth = "Basic " + Base64.getEncoder().encodeToString("ops:page password".getBytes(StandardCharsets.UTF_8));
                chromium.call("Network.enable", "{}");
                chromium.call("Network.setExtraHTTPHeaders", "{\"headers\":{\"Authorization\":" + HeadlessChromium.quote(auth) + "}}");
                chromium.call("Page.enable", "{}");
                chromium.call("Emulation.setDeviceMetricsOverride", "{\"width\":1400,\"height\":900,\"deviceScaleFactor\":1,\"mobile\":false}");
                chromium.call("Page.navigate", "{\"url\":" + HeadlessChromium.quote(admin + "/?refresh=0") + "}");
                chromium.awaitEvent("Page.loadEventFired");

                assertEquals("Sluice balancer manager", chromium.evaluate("document.title"));
                // charts: routes, then one per pool, each with labelled axes
                assertEquals("app,gateway,routes", chromium.evaluate("[...document.querySelectorAll('svg.chart')].map(c => c.dataset.chart).sort().join()"));
                assertEquals("2", chromium.evaluate("String(document.querySelectorAll('svg[data-chart=app] polyline').length)"), "a line per member");
                assertEquals("3", chromium.evaluate("String(document.querySelectorAll('svg[data-chart=routes] polyline').length)"), "a line per route");
                assertEquals("5", chromium.evaluate("String(document.querySelectorAll('svg[data-chart=app] g.y-axis text').length - 1)"),
                        "five gridlines on the rate axis, and its unit");
                assertEquals("req/s", chromium.evaluate("[...document.querySelectorAll('svg[data-chart=app] g.y-axis text')].pop().textContent"));
                assertEquals("-4 min,-3 min,-2 min,-1 min,now",
                        chromium.evaluate("[...document.querySelectorAll('svg[data-chart=app] g.x-axis text')].map(t => t.textContent).join()"));
                String top = chromium.evaluate("document.querySelector('svg[data-chart=app] g.y-axis text:nth-of-type(5)').textContent");
                assertTrue(top.matches("1|2|5|10|20|50|100"), "a nice top of scale: " + top);
                assertTrue(Double.parseDouble(chromium.evaluate("String(Math.max(...document.querySelector('svg[data-chart=app] polyline')"
                        + ".getAttribute('points').trim().split(' ').map(p => 130 - 22 - Number(p.split(',')[1]))))")) > 0, "a's line rises");

                // the configuration in force, from GET /api/v1/generation
                String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(sluice.file())));
                String generation = chromium.evaluate("document.querySelector('p.generation').textContent");
                assertTrue(generation.startsWith("configuration " + sluice.file() + " loaded 20"), generation);
                assertEquals(sha256, chromium.evaluate("document.querySelector('p.generation code[title]').title"), generation);

                // listeners: days left, the one under 30 days in the warning colour
                assertEquals("399", chromium.evaluate("document.querySelectorAll('tr[data-listener=https] ~ tr td.days, tr[data-listener=https] td.days')[0].textContent"));
                assertEquals("0", chromium.evaluate("document.querySelector('td.days span.warn').textContent"));
                assertEquals("1", chromium.evaluate("String(document.querySelectorAll('td.days span.warn').length)"));

                // routes: requests counted per route
                assertTrue(Long.parseLong(chromium.evaluate("document.querySelector('tr[data-route=api] td.requests').textContent")) > 0);
                assertEquals("answers 404", chromium.evaluate("document.querySelector('tr[data-route=\"/balancer-manager\"] td.pool').textContent"));

                // members: sessions seen, last check, an ejected member's reason and countdown
                assertEquals("2", chromium.evaluate("document.querySelector('tr[data-member=a] td.sessions').textContent"), "s0.a and s1.a");
                assertEquals("1", chromium.evaluate("document.querySelector('tr[data-member=b] td.sessions').textContent"));
                assertTrue(chromium.evaluate("document.querySelector('tr[data-member=a] td.check').textContent").startsWith("passed 20"));
                String ejected = chromium.evaluate("document.querySelector('tr[data-member=gw2] td.health').textContent");
                assertTrue(ejected.matches("ejected retry in [1-6]?[0-9] s1 failure\\(s\\) in a row, the last: .+"), ejected);

                chromium.screenshot(Path.of("target", "screenshots", "manager-page-before.png").toAbsolutePath());

                // a drain by click: the row shows its progress
                chromium.evaluate("document.querySelector('tr[data-member=\"a\"] button[value=\"draining\"]').click(), 'clicked'");
                chromium.awaitEvent("Page.loadEventFired");
                assertEquals("draining", sluice.server().generation().pools().get("app").member("a").state().configName());
                String drain = chromium.evaluate("document.querySelector('tr[data-member=a] td.state').textContent");
                assertTrue(drain.matches("draining \\(file: active\\)2 sessions left, [0-9]+ in flight, quiet [0-9]+ s"), drain);
                assertEquals("changed", chromium.evaluate("document.querySelector('tr[data-member=a]').className"));

                // a member added through the page: serves at once, highlighted as a run-time change
                chromium.evaluate("(() => { const f = document.querySelector('form.add input[name=pool][value=app]').form;"
                        + " f.url.value = " + HeadlessChromium.quote(c.url()) + "; f.route.value = 'c'; f.querySelector('button').click();"
                        + " return 'added'; })()");
                chromium.awaitEvent("Page.loadEventFired");
                assertEquals("c", Http.get(client, sluice.uri("http", "/"), "Cookie", "JSESSIONID=n.c").body());
                assertEquals("changed", chromium.evaluate("document.querySelector('tr[data-member=c]').className"));
                assertTrue(chromium.evaluate("document.querySelector('tr[data-member=c] td.name').textContent").endsWith("added at run time"));
                String pools = Http.get(client, java.net.URI.create(admin + "/api/v1/pools/app"), "Authorization", auth).body();
                assertTrue(pools.strip().matches(".*\"name\":\"c\".*\"addedAtRunTime\":true,\"changedAtRunTime\":true.*"), pools);
                chromium.screenshot(Path.of("target", "screenshots", "manager-page.png").toAbsolutePath()); // drained a, added c

                chromium.call("Emulation.setDeviceMetricsOverride", "{\"width\":420,\"height\":900,\"deviceScaleFactor\":1,\"mobile\":true}");
                chromium.call("Page.reload", "{}");
                chromium.awaitEvent("Page.loadEventFired");
                assertEquals("420", chromium.evaluate("String(document.documentElement.clientWidth)"));
                assertTrue(Double.parseDouble(chromium.evaluate("String(document.querySelector('svg[data-chart=app]').getBoundingClientRect().width)"))
                        <= 420, "the chart fits a narrow screen");
                assertEquals("block", chromium.evaluate("getComputedStyle(document.querySelector('tr[data-member=a] td.sessions')).display"),
                        "members as cards, every field labelled");
                chromium.screenshot(Path.of("target", "screenshots", "manager-page-narrow.png").toAbsolutePath());

                // and removed again
                chromium.evaluate("document.querySelector('tr[data-member=c] button.remove').click(), 'removed'");
                chromium.awaitEvent("Page.loadEventFired");
                assertEquals("0", chromium.evaluate("String(document.querySelectorAll('tr[data-member=c]').length)"));
                assertEquals(List.of("a", "b"), sluice.server().generation().pools().get("app").members().stream().map(m -> m.name()).toList());
                System.out.println("ManagerPageIT: screenshots in " + Path.of("target", "screenshots").toAbsolutePath());
            } finally {
                stop.set(true);
                traffic.join();
            }
        }
    }
}
