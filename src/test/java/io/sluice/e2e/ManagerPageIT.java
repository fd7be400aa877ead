package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.auth.PasswordHash;
import io.sluice.testing.HeadlessChromium;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The balancer-manager page in a real browser: it renders, the chart draws, a drain click works; a screenshot is kept. */
class ManagerPageIT {
    @TempDir
    Path dir;

    @Test
    void drainByClickInHeadlessChromium() throws Exception {
        if (!HeadlessChromium.available() && System.getenv("CI") == null) {
            System.out.println("ManagerPageIT: chromium not installed here; .ci/run installs it");
            return;
        }
        String hash = PasswordHash.hash("page password".toCharArray());
        try (Node a = Node.start("a", Node.Sessions.NONE); Node b = Node.start("b", Node.Sessions.NONE);
             RunningSluice sluice = RunningSluice.start(dir, """
                     sluice {
                       listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                       routes = [ { prefix = "/", pool = app } ]
                       pools { app { members = [ { url = "%s", route = a }, { url = "%s", route = b } ] } }
                       admin { bind = "127.0.0.1:0", users = [ { name = ops, password = "%s" } ] }
                     }
                     """.formatted(a.url(), b.url(), hash));
             HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("profile"))) {
            for (int i = 0; i < 20; i++) {
                Http.get(Http.client(), sluice.uri("http", "/"));
            }
            String page = "http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/";
            String auth = "Basic " + Base64.getEncoder().encodeToString("ops:page password".getBytes(StandardCharsets.UTF_8));
            chromium.call("Network.enable", "{}");
            chromium.call("Network.setExtraHTTPHeaders", "{\"headers\":{\"Authorization\":" + HeadlessChromium.quote(auth) + "}}");
            chromium.call("Page.enable", "{}");
            chromium.call("Page.navigate", "{\"url\":" + HeadlessChromium.quote(page) + "}");
            chromium.awaitEvent("Page.loadEventFired");

            assertEquals("Sluice balancer manager", chromium.evaluate("document.title"));
            assertEquals("2", chromium.evaluate("String(document.querySelectorAll('svg.chart polyline').length)"), "one line per member");
            assertTrue(Integer.parseInt(chromium.evaluate("String(document.querySelector('svg.chart polyline').getAttribute('points').trim().split(' ').length)")) >= 60);
            assertEquals("active", chromium.evaluate("document.querySelector('tr[data-member=\"a\"] td.state').textContent.trim()"));

            chromium.evaluate("document.querySelector('tr[data-member=\"a\"] button[value=\"draining\"]').click(), 'clicked'");
            chromium.awaitEvent("Page.loadEventFired");
            assertTrue(chromium.evaluate("document.querySelector('tr[data-member=\"a\"] td.state').textContent").startsWith("draining"));
            assertEquals("draining", sluice.server().generation().pools().get("app").member("a").state().configName());
            for (int i = 0; i < 6; i++) {
                assertEquals("b", Http.get(Http.client(), sluice.uri("http", "/")).body(), "the drained member takes no new sessions");
            }
            Path screenshot = Path.of("target", "screenshots", "manager-page.png").toAbsolutePath();
            chromium.screenshot(screenshot);
            System.out.println("ManagerPageIT: screenshot of the page after the drain: " + screenshot);
        }
    }
}
