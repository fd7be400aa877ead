package io.sluice.admin;

import io.sluice.config.AdminConfig;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

/**
 * `sluice ctl`: the admin API from the command line, for operators and Ansible. It finds
 * the admin listener and the bearer token from the same config file the service runs
 * with; drain --wait returns once the member has nothing in flight and no live sessions.
 */
public final class AdminClient {
    private final URI base;
    private final String authorization;
    private final HttpClient http;
    private final AdminConfig config;
    private final java.nio.file.Path configFile;

    public AdminClient(AdminConfig config, java.nio.file.Path configFile) throws java.io.IOException {
        if (!config.enabled()) {
            throw new IllegalArgumentException("admin.bind is \"\" in " + configFile + ": there is no admin listener to talk to;"
                    + " set admin.bind (e.g. \"127.0.0.1:9900\") and reload sluice");
        }
        this.config = config;
        this.configFile = configFile;
        String host = config.bind().host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        this.base = URI.create(config.scheme() + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + config.bind().port());
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (config.tls() != null) {
            // trust exactly the admin's own certificate (often self-signed), not the world's CAs
            client.sslContext(io.sluice.tls.TrustMaterial.clientContext(ownCertificateTrust(config)));
        }
        this.http = client.build();
        try {
            this.authorization = config.tokenFile() == null ? null : "Bearer " + Files.readString(config.tokenFile()).trim();
        } catch (java.io.IOException e) {
            throw new java.io.IOException("cannot read the admin token " + config.tokenFile() + " (admin.token-file in " + configFile + "): "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage())
                    + "; run sluice ctl as a user who may read it (root or the sluice group)");
        }
    }

    private static javax.net.ssl.X509ExtendedTrustManager ownCertificateTrust(AdminConfig config) throws java.io.IOException {
        try {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (io.sluice.config.CertificateSource source : config.tls().certificates()) {
                store.setCertificateEntry("admin" + i++, source.load().leaf());
            }
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return (javax.net.ssl.X509ExtendedTrustManager) factory.getTrustManagers()[0];
        } catch (java.security.GeneralSecurityException | io.sluice.tls.TlsMaterialException e) {
            throw new java.io.IOException("cannot trust the admin certificate: " + e.getMessage());
        }
    }

    String get(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), "GET " + path);
    }

    String post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), "POST " + path);
    }

    private String send(HttpRequest.Builder request, String what) throws Exception {
        request.timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            throw new IllegalStateException(config.tokenFile() == null
                    ? "the admin at " + base + " wants credentials, and " + configFile + " sets no admin.token-file:"
                            + " set it to a file holding a token (sluice ctl sends it) and reload sluice"
                    : "the admin at " + base + " refused the token in " + config.tokenFile() + " (admin.token-file in " + configFile
                            + "): the running sluice has another one; if the file was changed, reload sluice (sluice reload -c "
                            + configFile + ")");
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(errorOf(response.body()) + " (HTTP " + response.statusCode() + " from " + what + ")");
        }
        return response.body();
    }

    /** The API's "error" field, else the body as it came. */
    private static String errorOf(String body) {
        try {
            com.fasterxml.jackson.databind.JsonNode error = AdminJson.MAPPER.readTree(body).path("error");
            return error.isTextual() ? error.asText() : body.trim();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return body.trim();
        }
    }

    /** Runs a ctl command; returns the exit code (0 done, 1 failed or timed out, 2 usage). */
    public int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 2 && args[0].equals("pools") && args[1].equals("--json")) {
                out.println(get("/api/v1/pools").trim()); // one line, for scripts
                return 0;
            }
            if (args.length == 1 && args[0].equals("pools")) {
                out.println(AdminJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(
                        AdminJson.MAPPER.readTree(get("/api/v1/pools"))));
                return 0;
            }
            if (args.length == 1 && args[0].equals("cluster")) {
                out.print(describeCluster(AdminJson.MAPPER.readTree(get("/api/v1/cluster"))));
                return 0;
            }
            if (args.length >= 3 && args[0].equals("add")) {
                java.util.Map<String, Object> member = new java.util.LinkedHashMap<>();
                member.put("url", args[2]);
                String name = value(args, "--name", null);
                String route = value(args, "--route", null);
                String weight = value(args, "--weight", null);
                if (name != null) {
                    member.put("name", name);
                }
                if (route != null) {
                    member.put("route", route);
                }
                if (weight != null) {
                    member.put("weight", weight(weight));
                }
                out.println(post("/api/v1/pools/" + args[1] + "/members", AdminJson.MAPPER.writeValueAsString(member)));
                return 0;
            }
            if (args.length == 3 && args[0].equals("remove")) {
                out.println(post("/api/v1/pools/" + args[1] + "/members/" + args[2] + "/remove", "{}"));
                return 0;
            }
            if (args.length >= 3) {
                String command = args[0];
                String member = "/api/v1/pools/" + args[1] + "/members/" + args[2];
                switch (command) {
                    case "enable", "disable", "standby", "drain" -> {
                        String state = switch (command) {
                            case "enable" -> "active";
                            case "disable" -> "disabled";
                            case "standby" -> "standby";
                            default -> "draining";
                        };
                        out.print(post(member, "{\"state\":\"" + state + "\"}"));
                        if (command.equals("drain") && has(args, "--wait")) {
                            return waitDrained(args, out);
                        }
                        return 0;
                    }
                    case "weight" -> {
                        if (args.length == 4) {
                            out.print(post(member, "{\"weight\":" + weight(args[3]) + "}"));
                            return 0;
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (BadArgument e) {
            err.println("sluice ctl: " + e.getMessage());
            return 2;
        } catch (java.net.ConnectException e) {
            err.println("sluice ctl: nothing answers at " + base + " (admin.bind in " + configFile + "): is sluice running,"
                    + " and is this the file it runs with?");
            return 1;
        } catch (Exception e) {
            err.println("sluice ctl: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        }
        err.println("""
                usage: sluice ctl -c FILE pools [--json]
                       sluice ctl -c FILE cluster
                       sluice ctl -c FILE drain POOL MEMBER [--wait] [--timeout 300s] [--idle 30s]
                       sluice ctl -c FILE enable|disable|standby POOL MEMBER
                       sluice ctl -c FILE weight POOL MEMBER 1..100
                       sluice ctl -c FILE add POOL URL [--name NAME] [--route JVMROUTE] [--weight 1..100]
                       sluice ctl -c FILE remove POOL MEMBER""");
        return 2;
    }

    /** `sluice ctl cluster`: the members as this instance sees them, the session traffic, who last changed the run-time state. */
    static String describeCluster(com.fasterxml.jackson.databind.JsonNode cluster) {
        StringBuilder text = new StringBuilder();
        com.fasterxml.jackson.databind.JsonNode changed = cluster.path("runtimeStateChanged");
        String lastChange = changed.path("at").isNull() || changed.path("at").isMissingNode() ? "never"
                : changed.path("at").asText() + " by " + changed.path("by").asText()
                        + (changed.path("through").asText().isEmpty() ? "" : " through " + changed.path("through").asText());
        if (!cluster.path("enabled").asBoolean()) {
            return text.append("no cluster (no cluster block in the configuration)\nrun-time state last changed: ").append(lastChange)
                    .append('\n').toString();
        }
        text.append("cluster ").append(cluster.path("name").asText()).append(", this instance ").append(cluster.path("self").asText())
                .append('\n');
        text.append("members (").append(cluster.path("members").size()).append("):");
        cluster.path("members").forEach(member -> text.append(' ').append(member.asText()));
        com.fasterxml.jackson.databind.JsonNode sessions = cluster.path("sessions");
        text.append("\nlearned sessions: sent ").append(sessions.path("sent").asLong()).append(", received ")
                .append(sessions.path("received").asLong()).append(", queued ").append(sessions.path("queued").asLong())
                .append(", dropped ").append(sessions.path("dropped").asLong()).append(", last batch waited ")
                .append(sessions.path("lagMillis").asDouble()).append(" ms; messages rejected ")
                .append(cluster.path("rejectedMessages").asLong());
        text.append("\nrun-time state last changed: ").append(lastChange).append('\n');
        return text.toString();
    }

    /** A command-line value that is not what it should be: exit 2 with this message. */
    static final class BadArgument extends RuntimeException {
        BadArgument(String message) {
            super(message);
        }
    }

    private static long weight(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new BadArgument("weight \"" + text + "\" is not a whole number: give 1 to 100, e.g. weight POOL MEMBER 5");
        }
    }

    /**
     * Waits until the member has no requests in flight, no sessions seen within the pool's
     * sticky.recent.window nor learned, and its sessions have been quiet for --idle since
     * the drain began: no request for one of them arrived in that time. A session last used
     * before the drain may still come back, so the quiet time never counts from before it.
     * Prints a line whenever what it waits for changes.
     */
    private int waitDrained(String[] args, PrintStream out) throws Exception {
        long timeout = seconds("--timeout", value(args, "--timeout", "300s"));
        long idle = seconds("--idle", value(args, "--idle", "30s"));
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        String pool = "/api/v1/pools/" + args[1];
        String waitingFor = "";
        while (true) {
            String poolJson = get(pool);
            Map<String, Long> member = memberNumbers(poolJson, args[1], args[2]);
            long window = AdminJson.MAPPER.readTree(poolJson).path("sessionWindowSeconds").asLong(0);
            long inFlight = member.getOrDefault("inFlight", 0L);
            long learned = member.getOrDefault("learnedSessions", -1L);
            long recent = member.getOrDefault("recentSessions", -1L);
            long quiet = member.getOrDefault("secondsQuietSinceDrain", -1L);
            if (quiet < 0) {
                out.println("member " + args[2] + " is not draining (its state was changed meanwhile)");
                return 1;
            }
            String sessions = recent < 0 && learned < 0 ? "sessions not countable (the pool reads no session cookie)"
                    : (recent < 0 ? "" : recent + (recent == 1 ? " session" : " sessions") + " seen in the last " + window + " s")
                            + (recent >= 0 && learned >= 0 ? ", " : "") + (learned < 0 ? "" : learned + " learned");
            String remaining = inFlight + " in flight, " + sessions + ", sessions quiet for " + quiet + " s since the drain began (--idle "
                    + idle + " s)";
            if (inFlight == 0 && learned <= 0 && recent <= 0 && quiet >= idle) {
                out.println("drained: " + remaining);
                return 0;
            }
            if (System.nanoTime() - deadline > 0) {
                out.println("timed out after " + timeout + " s; remaining: " + remaining);
                return 1;
            }
            String now = inFlight + " in flight, " + sessions;
            if (!now.equals(waitingFor)) {
                out.println("waiting: " + now);
                waitingFor = now;
            }
            Thread.sleep(1000);
        }
    }

    /** The whole-number fields of one member in a pool's JSON. */
    static Map<String, Long> memberNumbers(String poolJson, String poolName, String memberName) {
        com.fasterxml.jackson.databind.JsonNode pool;
        try {
            pool = AdminJson.MAPPER.readTree(poolJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the admin answered something that is not JSON: " + e.getOriginalMessage());
        }
        for (com.fasterxml.jackson.databind.JsonNode member : pool.path("members")) {
            if (memberName.equals(member.path("name").asText(null))) {
                Map<String, Long> numbers = new java.util.HashMap<>();
                member.properties().forEach(field -> {
                    if (field.getValue().isIntegralNumber()) {
                        numbers.put(field.getKey(), field.getValue().longValue());
                    }
                });
                return numbers;
            }
        }
        throw new IllegalStateException("no member \"" + memberName + "\" in pool " + poolName + " any more (removed meanwhile)");
    }

    private static boolean has(String[] args, String flag) {
        for (String arg : args) {
            if (arg.equals(flag)) {
                return true;
            }
        }
        return false;
    }

    private static String value(String[] args, String flag, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(flag)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private static long seconds(String flag, String text) {
        String number = text.endsWith("s") ? text.substring(0, text.length() - 1) : text;
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new BadArgument(flag + " \"" + text + "\" is not a number of seconds: give e.g. " + flag + " 300s or " + flag + " 300");
        }
    }
}
