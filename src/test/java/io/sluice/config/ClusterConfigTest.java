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

/** The cluster block: off by default, and every mistake named with its key, line and what to do. */
class ClusterConfigTest {
    private static final String BASE = """
            listeners = [ { name = http, bind = "127.0.0.1:8080" } ]
            routes = [ { prefix = "/", pool = is } ]
            pools { is { members = [ { url = "http://127.0.0.1:9763" } ] } }
            """;

    @TempDir
    Path dir;

    private SluiceConfig load(String cluster) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + BASE + cluster + "\n}\n");
        return ConfigLoader.load(file);
    }

    private List<String> problems(String cluster) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(cluster));
        return e.problems().stream().map(Problem::render).toList();
    }

    private Path secret(String text) throws Exception {
        return Files.writeString(dir.resolve("cluster.secret"), text);
    }

    @Test
    void offByDefault() throws Exception {
        assertFalse(load("").cluster().enabled());
    }

    @Test
    void aValidClusterLoads() throws Exception {
        secret("a".repeat(64));
        ClusterConfig cluster = load("cluster { bind = \"10.0.0.5:7800\", peers = [\"10.0.0.5:7800\", \"10.0.0.6:7800\"], "
                + "secret-file = cluster.secret }").cluster();
        assertTrue(cluster.enabled());
        assertEquals("sluice", cluster.name());
        assertEquals(List.of(new BindAddress("10.0.0.5", 7800), new BindAddress("10.0.0.6", 7800)), cluster.peers());
        assertEquals(dir.resolve("cluster.secret"), cluster.secretFile());
    }

    @Test
    void keysWithoutABindSayThatNoClusterIsJoined() {
        List<String> problems = problems("cluster { peers = [\"10.0.0.6:7800\"] }");
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("sluice.cluster.peers: cluster.peers is set but cluster.bind is not"), problems.toString());
    }

    @Test
    void aWildcardOrCollidingBindIsRefused() throws Exception {
        secret("a".repeat(64));
        assertTrue(problems("cluster { bind = \"0.0.0.0:7800\", peers = [\"10.0.0.6:7800\"], secret-file = cluster.secret }")
                .get(0).contains("the cluster needs this instance's own address, not 0.0.0.0"));
        assertTrue(problems("cluster { bind = \"127.0.0.1:8080\", peers = [\"10.0.0.6:7800\"], secret-file = cluster.secret }")
                .get(0).contains("the cluster bind 127.0.0.1:8080 collides with listener http"));
    }

    @Test
    void peersAndDnsAreEitherOr() throws Exception {
        secret("a".repeat(64));
        assertTrue(problems("cluster { bind = \"10.0.0.5:7800\", secret-file = cluster.secret }").get(0)
                .contains("sluice.cluster.peers: the cluster has no way to find its peers"));
        assertTrue(problems("cluster { bind = \"10.0.0.5:7800\", peers = [\"10.0.0.6:7800\"], dns = \"sluice.local\", "
                + "secret-file = cluster.secret }").get(0).contains("sluice.cluster.dns: peers and dns are both set"));
        List<String> badPeer = problems("cluster { bind = \"10.0.0.5:7800\", peers = [\"10.0.0.6\"], secret-file = cluster.secret }");
        assertEquals(1, badPeer.size(), badPeer.toString());
        assertTrue(badPeer.get(0).contains("\"10.0.0.6\" is not host:port"), badPeer.toString());
    }

    @Test
    void theSecretIsRequiredReadableAndLongEnough() throws Exception {
        String cluster = "cluster { bind = \"10.0.0.5:7800\", peers = [\"10.0.0.6:7800\"] %s }";
        assertTrue(problems(cluster.formatted("")).get(0).contains(
                "sluice.cluster.secret-file: a cluster needs a shared secret: without it anyone who reaches the port could join"));
        assertTrue(problems(cluster.formatted(", secret-file = missing.secret")).get(0).contains("cannot read " + dir.resolve("missing.secret")));
        secret("too short\n");
        List<String> shortSecret = problems(cluster.formatted(", secret-file = cluster.secret"));
        assertTrue(shortSecret.get(0).contains("the secret in " + dir.resolve("cluster.secret") + " is shorter than 32 characters"),
                shortSecret.toString());
        assertTrue(shortSecret.get(0).contains("hint: e.g. openssl rand -hex 32 > "), shortSecret.toString());
    }
}
