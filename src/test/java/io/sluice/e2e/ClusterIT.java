package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Closer;
import io.sluice.testing.Eventually;
import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Sluice instances in one cluster on loopback (real JGroups over TCP, encrypted), each in
 * front of the same three real backends with a learn-mode pool: a session learned through one
 * instance is known to the others within a second; an instance that joins later receives every
 * live session; an instance with another secret never gets in, and the members log it.
 */
class ClusterIT {
    private static final String SECRET = "6f1d2c3b4a5968778695a4b3c2d1e0f1";

    @TempDir
    Path dir;
    @RegisterExtension
    final Closer closer = new Closer();

    private String config(int clusterPort, int[] peers, Path secret, Node... nodes) {
        StringBuilder members = new StringBuilder();
        for (Node node : nodes) {
            members.append(members.length() == 0 ? "" : ", ").append("{ name = ").append(node.name()).append(", url = \"").append(node.url()).append("\" }");
        }
        StringBuilder peerList = new StringBuilder();
        for (int peer : peers) {
            peerList.append(peerList.length() == 0 ? "" : ", ").append("\"127.0.0.1:").append(peer).append("\"");
        }
        return """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { sticky.modes = [learn], members = [ %s ] } }
                  admin { bind = "127.0.0.1:0", open-read = on }
                  cluster { bind = "127.0.0.1:%d", peers = [ %s ], secret-file = "%s" }
                }
                """.formatted(members, clusterPort, peerList, secret);
    }

    private RunningSluice instance(String name, int clusterPort, int[] peers, Path secret, Node... nodes) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        return closer.add(RunningSluice.start(home, config(clusterPort, peers, secret, nodes)));
    }

    @Test
    void aSessionLearnedThroughOneInstanceSticksThroughTheOthersAndALateJoinerReceivesIt() throws Exception {
        Node a = closer.add(Node.start("a", Node.Sessions.PLAIN, 0));
        Node b = closer.add(Node.start("b", Node.Sessions.PLAIN, 0));
        Node c = closer.add(Node.start("c", Node.Sessions.PLAIN, 0));
        Path secret = Files.writeString(dir.resolve("cluster.secret"), SECRET + "\n");
        int[] ports = {Eventually.freePort(), Eventually.freePort(), Eventually.freePort()};
        RunningSluice first = instance("first", ports[0], ports, secret, a, b, c);
        RunningSluice second = instance("second", ports[1], ports, secret, a, b, c);
        Eventually.await("the second instance joins the first", Duration.ofSeconds(10),
                () -> first.server().cluster().members().size() == 2);

        HttpResponse<String> learned = Http.get(Http.client(), first.uri("http", "/"));
        String cookie = learned.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        String session = cookie.substring(cookie.indexOf('=') + 1);
        String servedBy = learned.body();

        long learnedAt = System.nanoTime();
        Eventually.await("the second instance knows the session", Duration.ofSeconds(10),
                () -> decidedBy(second, session).contains(learnedOn(servedBy)));
        long lagMillis = (System.nanoTime() - learnedAt) / 1_000_000;
        assertTrue(lagMillis < 1000, "known elsewhere after " + lagMillis + " ms");
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = Http.get(Http.client(), second.uri("http", "/"), "Cookie", cookie);
            assertEquals(servedBy, response.body(), "the session sticks through the second instance");
        }

        RunningSluice late = instance("late", ports[2], ports, secret, a, b, c);
        assertEquals(3, late.server().cluster().members().size());
        String metrics = Http.get(Http.client(), URI.create("http://127.0.0.1:" + first.server().adminAddress().getPort() + "/metrics")).body();
        assertTrue(metrics.contains("\nsluice_cluster_members 3\n") && metrics.contains("\nsluice_cluster_sessions_sent_total 1\n")
                && metrics.contains("\nsluice_cluster_replication_lag_seconds "), metrics);
        String page = Http.get(Http.client(), URI.create("http://127.0.0.1:" + first.server().adminAddress().getPort() + "/")).body();
        assertTrue(page.contains("cluster <b>sluice</b>, 3 instance(s): <b>127.0.0.1:" + ports[0] + "</b> (this one)"), page);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        Path ctlConfig = Files.writeString(dir.resolve("late").resolve("ctl.conf"), Files.readString(late.file())
                .replace("admin { bind = \"127.0.0.1:0\"", "admin { bind = \"127.0.0.1:" + late.server().adminAddress().getPort() + "\""));
        assertEquals(0, io.sluice.Sluice.execute(new String[] {"ctl", "-c", ctlConfig.toString(), "cluster"},
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8)),
                err.toString(StandardCharsets.UTF_8));
        String ctl = out.toString(StandardCharsets.UTF_8);
        assertTrue(ctl.startsWith("cluster sluice, this instance 127.0.0.1:" + ports[2] + "\nmembers (3): 127.0.0.1:" + ports[0]), ctl);
        assertTrue(ctl.matches("(?s).*learned sessions: sent 0, received 1, queued 0, dropped 0, last batch waited [0-9.]+ ms; "
                + "messages rejected 0\\n.*"), ctl);
        assertTrue(decidedBy(late, session).contains(learnedOn(servedBy)),
                "a joining instance receives the live sessions: " + decidedBy(late, session));
    }

    @Test
    void anInstanceWithAnotherSecretNeverGetsIn() throws Exception {
        Node a = closer.add(Node.start("a", Node.Sessions.PLAIN, 0));
        Path secret = Files.writeString(dir.resolve("cluster.secret"), SECRET);
        Path otherSecret = Files.writeString(dir.resolve("other.secret"), SECRET.replace('6', '7'));
        int[] ports = {Eventually.freePort(), Eventually.freePort()};
        RunningSluice member = instance("member", ports[0], ports, secret, a);
        RunningSluice stranger = instance("stranger", ports[1], ports, otherSecret, a);
        Thread.sleep(2000);
        assertEquals(List.of("127.0.0.1:" + ports[0]), member.server().cluster().members(), "the stranger is not a member");
        assertEquals(List.of("127.0.0.1:" + ports[1]), stranger.server().cluster().members(), "the stranger is alone");
    }

    /** What /api/v1/explain says a request carrying this session would be sent to. */
    /** What explain says of a session found in the learn table (not a member picked by balancing, which may be the same). */
    private static String learnedOn(String member) {
        return "\"why\":\"sticky: the session belongs to " + member + " (learn)\"";
    }

    private static String decidedBy(RunningSluice sluice, String session) {
        try {
            URI uri = URI.create("http://127.0.0.1:" + sluice.server().adminAddress().getPort() + "/api/v1/explain?url="
                    + URLEncoder.encode("/", StandardCharsets.UTF_8) + "&header="
                    + URLEncoder.encode("Cookie:JSESSIONID=" + session, StandardCharsets.UTF_8));
            return Http.get(Http.client(), uri).body();
        } catch (Exception e) {
            return e.toString();
        }
    }

}
