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

    public AdminClient(AdminConfig config) throws java.io.IOException {
        if (!config.enabled()) {
            throw new IllegalArgumentException("admin.bind is \"\" in this config: there is no admin listener to talk to");
        }
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
        this.authorization = config.tokenFile() == null ? null : "Bearer " + Files.readString(config.tokenFile()).trim();
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
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " " + response.body().trim());
        }
        return response.body();
    }

    String post(String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " " + response.body().trim());
        }
        return response.body();
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
                    member.put("weight", Long.parseLong(weight));
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
                            out.print(post(member, "{\"weight\":" + Long.parseLong(args[3]) + "}"));
                            return 0;
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (NumberFormatException e) {
            err.println("sluice ctl: the weight must be a whole number from 1 to 100");
            return 2;
        } catch (java.net.ConnectException e) {
            err.println("sluice ctl: nothing answers at " + base + " (admin.bind in the config file): is sluice running,"
                    + " and is this the file it runs with?");
            return 1;
        } catch (Exception e) {
            err.println("sluice ctl: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        }
        err.println("""
                usage: sluice ctl -c FILE pools [--json]
                       sluice ctl -c FILE drain POOL MEMBER [--wait] [--timeout 300s] [--idle 30s]
                       sluice ctl -c FILE enable|disable|standby POOL MEMBER
                       sluice ctl -c FILE weight POOL MEMBER 1..100
                       sluice ctl -c FILE add POOL URL [--name NAME] [--route JVMROUTE] [--weight 1..100]
                       sluice ctl -c FILE remove POOL MEMBER""");
        return 2;
    }

    /**
     * Waits until the member has no requests in flight, no learned sessions, and its
     * sessions have been quiet for --idle since the drain began: no request for one of
     * them arrived in that time. Sessions a node keeps by cookie alone (route and insert
     * affinity) cannot be counted, only seen going quiet, and a session last used before
     * the drain may still come back, so the quiet time never counts from before it.
     */
    private int waitDrained(String[] args, PrintStream out) throws Exception {
        long timeout = seconds(value(args, "--timeout", "300s"));
        long idle = seconds(value(args, "--idle", "30s"));
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        String pool = "/api/v1/pools/" + args[1];
        String remaining = "";
        while (true) {
            Map<String, Long> member = memberNumbers(get(pool), args[2]);
            long inFlight = member.getOrDefault("inFlight", 0L);
            long learned = member.getOrDefault("learnedSessions", -1L);
            long quiet = member.getOrDefault("secondsQuietSinceDrain", -1L);
            if (quiet < 0) {
                out.println("member " + args[2] + " is not draining (its state was changed meanwhile)");
                return 1;
            }
            remaining = inFlight + " in flight, " + (learned < 0 ? "sessions not countable (no learn affinity)"
                    : learned + " learned sessions") + ", sessions quiet for " + quiet + " s since the drain began (--idle " + idle + " s)";
            if (inFlight == 0 && learned <= 0 && quiet >= idle) {
                out.println("drained: " + remaining);
                return 0;
            }
            if (System.nanoTime() - deadline > 0) {
                out.println("timed out after " + timeout + " s; remaining: " + remaining);
                return 1;
            }
            Thread.sleep(1000);
        }
    }

    /** The whole-number fields of one member in a pool's JSON. */
    static Map<String, Long> memberNumbers(String poolJson, String memberName) {
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
        throw new IllegalStateException("no member " + memberName);
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

    private static long seconds(String text) {
        String number = text.endsWith("s") ? text.substring(0, text.length() - 1) : text;
        return Long.parseLong(number);
    }
}
