package io.sluice.admin;

import io.sluice.config.MemberState;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned JSON API under /api/v1: pools and members with their live state, changes
 * of member state and weight (audited, persisted), liveness and readiness.
 */
final class AdminApi {
    private static final Logger AUDIT = LoggerFactory.getLogger("sluice.audit");
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    private final Supplier<? extends InForce> generation;
    /** This instance's view of its cluster (members, what it sent and received), or null without one. */
    private final Supplier<Map<String, Object>> cluster;
    private final RuntimeState runtimeState;
    private final Supplier<io.sluice.admin.ReloadOutcome> rebuild;
    private final java.util.function.BooleanSupplier stopping;
    private final RateHistory rates;
    private final io.sluice.metrics.SluiceMetrics metrics;
    private final ListenerCertificates certificates = new ListenerCertificates();

    AdminApi(Supplier<? extends InForce> generation, RuntimeState runtimeState, Supplier<io.sluice.admin.ReloadOutcome> rebuild,
             java.util.function.BooleanSupplier stopping, RateHistory rates, io.sluice.metrics.SluiceMetrics metrics,
             Supplier<Map<String, Object>> cluster) {
        this.cluster = cluster;
        this.rates = rates;
        this.metrics = metrics;
        this.generation = generation;
        this.runtimeState = runtimeState;
        this.rebuild = rebuild;
        this.stopping = stopping;
    }

    /** Handles /api/v1/... on a worker thread; the caller is already authenticated. */
    void handle(HttpServerExchange exchange, String caller) throws IOException {
        String[] path = exchange.getRelativePath().substring("/api/v1/".length()).split("/");
        boolean get = exchange.getRequestMethod().equals(Methods.GET);
        if (get && path.length == 2 && path[0].equals("health")) {
            if (path[1].equals("live")) {
                send(exchange, 200, Map.of("status", "live"));
            } else if (stopping.getAsBoolean()) {
                send(exchange, 503, Map.of("status", "stopping"));
            } else {
                send(exchange, 200, Map.of("status", "ready"));
            }
        } else if (get && path.length == 1 && path[0].equals("explain")) {
            explain(exchange);
        } else if (get && path.length == 1 && path[0].equals("config")) {
            send(exchange, 200, EffectiveConfig.describe(generation.get().config()));
        } else if (get && path.length == 1 && path[0].equals("pools")) {
            send(exchange, 200, Map.of("pools", pools()));
        } else if (get && path.length == 1 && path[0].equals("routes")) {
            send(exchange, 200, Map.of("routes", routes()));
        } else if (get && path.length == 1 && path[0].equals("listeners")) {
            send(exchange, 200, Map.of("listeners", listeners()));
        } else if (get && path.length == 1 && path[0].equals("generation")) {
            send(exchange, 200, generationInForce());
        } else if (get && path.length == 1 && path[0].equals("cluster")) {
            send(exchange, 200, describeCluster());
        } else if (get && path.length == 1 && path[0].equals("history")) {
            send(exchange, 200, history());
        } else if (get && path.length == 2 && path[0].equals("pools")) {
            Pool pool = generation.get().pools().get(path[1]);
            if (pool == null) {
                send(exchange, 404, Map.of("error", noPool(path[1])));
            } else {
                send(exchange, 200, describe(pool));
            }
        } else if (exchange.getRequestMethod().equals(Methods.POST) && path.length == 3 && path[0].equals("pools")
                && path[2].equals("members")) {
            addMember(exchange, caller, path[1]);
        } else if (exchange.getRequestMethod().equals(Methods.POST) && path.length == 5 && path[0].equals("pools")
                && path[2].equals("members") && path[4].equals("remove")) {
            removeMember(exchange, caller, path[1], path[3]);
        } else if (exchange.getRequestMethod().equals(Methods.POST) && path.length == 4 && path[0].equals("pools")
                && path[2].equals("members")) {
            changeMember(exchange, caller, path[1], path[3]);
        } else {
            send(exchange, 404, Map.of("error", "no such API: " + exchange.getRequestMethod() + " " + exchange.getRelativePath()
                    + "; the API is GET /api/v1/pools, /routes, /listeners, /generation, /history, /config, /explain, /health/live,"
                    + " /health/ready and POST /api/v1/pools/POOL/members[/MEMBER[/remove]] (README, Admin)"));
        }
    }

    /**
     * GET /api/v1/explain?url=https://host/path?q&cookie=...&header=Name:value&method=GET: the
     * route, the rewritten path, and the member that would serve and why, decided by the
     * same code as real requests but without serving or taking a turn.
     */
    private void explain(HttpServerExchange exchange) {
        Map<String, java.util.Deque<String>> query = exchange.getQueryParameters();
        String url = first(query, "url");
        if (url == null) {
            send(exchange, 400, Map.of("error", "give url=, e.g. url=https://sso.example.com/is-commonauth?x=1"));
            return;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(url.startsWith("/") ? "http://localhost" + url : url);
        } catch (java.net.URISyntaxException e) {
            send(exchange, 400, Map.of("error", "not a URL: " + e.getMessage()));
            return;
        }
        HttpServerExchange request = new HttpServerExchange(null);
        request.setRequestMethod(new io.undertow.util.HttpString(first(query, "method") == null ? "GET" : first(query, "method").toUpperCase(Locale.ROOT)));
        request.setRequestScheme(uri.getScheme() == null ? "http" : uri.getScheme());
        request.setRequestURI(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath(), false);
        request.setQueryString(uri.getRawQuery() == null ? "" : uri.getRawQuery());
        request.getRequestHeaders().put(Headers.HOST, uri.getRawAuthority() == null ? "localhost" : uri.getRawAuthority());
        String cookie = first(query, "cookie");
        if (cookie != null) {
            request.getRequestHeaders().put(Headers.COOKIE, cookie);
        }
        for (String header : query.getOrDefault("header", new java.util.ArrayDeque<>())) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                request.getRequestHeaders().add(new io.undertow.util.HttpString(header.substring(0, colon).trim()), header.substring(colon + 1).trim());
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("url", url);
        answer.putAll(generation.get().routes().explain(request));
        send(exchange, 200, answer);
    }

    private static String first(Map<String, java.util.Deque<String>> query, String name) {
        java.util.Deque<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** POST /api/v1/pools/{pool}/members/{member}: {"state": ..., "weight": ...}. */
    record MemberChange(String state, Integer weight) {
    }

    /** POST /api/v1/pools/{pool}/members: a new member. */
    record NewMember(String name, String url, String route, Integer weight) {
    }

    /** POST .../remove takes no fields: an empty body or {}. */
    record NoFields() {
    }

    /** Why a change was not made: the HTTP status and the message for the caller. */
    record Refusal(int status, String error) {
    }

    /**
     * The request body as {@code type}: application/json, at most {@link AdminJson#MAX_REQUEST_BYTES},
     * strictly parsed. Null (the answer already sent) when it is not that.
     */
    private <T> T body(HttpServerExchange exchange, Class<T> type, String example, boolean optional) throws IOException {
        long length = exchange.getRequestContentLength();
        if (length > AdminJson.MAX_REQUEST_BYTES) {
            send(exchange, 413, Map.of("error", "the body is over " + AdminJson.MAX_REQUEST_BYTES + " bytes"));
            return null;
        }
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            send(exchange, 415, Map.of("error", "send the change as application/json, e.g. " + example));
            return null;
        }
        byte[] bytes = exchange.getInputStream().readNBytes(AdminJson.MAX_REQUEST_BYTES + 1);
        if (bytes.length > AdminJson.MAX_REQUEST_BYTES) {
            send(exchange, 413, Map.of("error", "the body is over " + AdminJson.MAX_REQUEST_BYTES + " bytes"));
            return null;
        }
        if (optional && new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            bytes = "{}".getBytes(StandardCharsets.UTF_8);
        }
        try {
            return AdminJson.readRequest(bytes, type);
        } catch (AdminJson.BadJson e) {
            send(exchange, 400, Map.of("error", e.getMessage()));
            return null;
        }
    }

    private static void refuse(HttpServerExchange exchange, Refusal refusal) {
        send(exchange, refusal.status(), Map.of("error", refusal.error()));
    }

    /** A failed state-file write: the change was not made, and the caller is told why. */
    private static Refusal notWritten(StateFileException e) {
        return new Refusal(500, "the change was not applied: " + e.getMessage());
    }

    /** POST /api/v1/pools/{pool}/members {"name","url","route","weight"}: a new member, at once, kept across restarts. */
    private void addMember(HttpServerExchange exchange, String caller, String poolName) throws IOException {
        NewMember body = body(exchange, NewMember.class, "{\"url\":\"http://10.0.0.13:9763\",\"route\":\"node3\",\"weight\":1}", false);
        if (body == null) {
            return;
        }
        runtimeState.changeLock().lock(); // the answer describes the member as added, before any other change
        try {
            Refusal refusal = add(caller, poolName, body);
            if (refusal != null) {
                refuse(exchange, refusal);
                return;
            }
            Pool rebuilt = generation.get().pools().get(poolName);
            send(exchange, 200, describe(rebuilt.member(memberName(body)), rebuilt));
        } finally {
            runtimeState.changeLock().unlock();
        }
    }

    /** The new member's name: as given, else its route, else host:port. */
    private static String memberName(NewMember body) {
        java.net.URI origin = RuntimeChanges.origin(body.url());
        String route = body.route() == null ? "" : body.route();
        return body.name() != null ? body.name() : route.isEmpty() ? origin.getHost() + ":" + origin.getPort() : route;
    }

    /**
     * Adds a member to a pool at once, kept across reloads and restarts (the API and the
     * page); audited with the caller. Null when done, else why not, and nothing changed.
     */
    Refusal add(String caller, String poolName, NewMember body) {
        java.net.URI origin = body.url() == null ? null : RuntimeChanges.origin(body.url());
        if (origin == null) {
            return new Refusal(400, (body.url() == null || body.url().isBlank() ? "url is missing" : "url \"" + body.url() + "\" is not an origin")
                    + ": give http:// or https://, a host and a port, no path, e.g. http://10.0.0.13:9763");
        }
        String route = body.route() == null ? "" : body.route();
        String name = memberName(body);
        int weight = body.weight() == null ? 1 : body.weight();
        if (!RuntimeChanges.ROUTE.matcher(route).matches()) { // first: the name defaults to the route
            return new Refusal(400, "route \"" + route + "\" is not a jvmRoute: use letters, digits and - _ . (the node's jvmRoute)");
        }
        if (!RuntimeChanges.MEMBER_NAME.matcher(name).matches()) {
            return new Refusal(400, "name \"" + name + "\" is not a member name: use letters, digits and - _ . :");
        }
        if (!RuntimeChanges.validWeight(weight)) {
            return new Refusal(400, weightError(String.valueOf(weight)));
        }
        runtimeState.changeLock().lock();
        try {
            Pool pool = generation.get().pools().get(poolName);
            if (pool == null) {
                return new Refusal(404, noPool(poolName));
            }
            for (Member existing : pool.members()) {
                if (existing.name().equals(name) || existing.config().url().equals(origin) || (!route.isEmpty() && route.equals(existing.route()))) {
                    return new Refusal(409, "pool " + poolName + " already has " + existing.name() + " (" + existing.config().url()
                            + (existing.route().isEmpty() ? "" : ", route " + existing.route()) + "): give the new member its own name, url and route");
                }
            }
            RuntimeChanges before = runtimeState.changes();
            Refusal refusal = commitAndRebuild(before, before.withAdded(poolName, name,
                    new RuntimeChanges.AddedMember(origin.toString(), route, weight)), caller);
            if (refusal == null) {
                AUDIT.info("admin {}: pool {} member {} added at run time ({}{}, weight {}); the pools were rebuilt, the file was not read",
                        caller, poolName, name, origin, route.isEmpty() ? "" : ", route " + route, weight);
            }
            return refusal;
        } finally {
            runtimeState.changeLock().unlock();
        }
    }

    /**
     * Writes {@code next}, then rebuilds the pools from it; a rebuild that fails puts
     * {@code before} back (file and memory). Null when done, else why not.
     */
    private Refusal commitAndRebuild(RuntimeChanges before, RuntimeChanges next, String caller) {
        try {
            runtimeState.commit(next, caller);
        } catch (StateFileException e) {
            return notWritten(e);
        }
        io.sluice.admin.ReloadOutcome outcome = rebuild.get();
        if (outcome.applied()) {
            return null;
        }
        String error = "the pool could not be rebuilt: " + outcome.summary();
        try {
            runtimeState.commit(before, caller);
        } catch (StateFileException e) {
            LOG.error("{}; and the state file could not be put back: {}", error, e.getMessage());
            return new Refusal(500, error + "; and the state file could not be put back, so a restart would apply the change: "
                    + e.getMessage());
        }
        return new Refusal(400, error);
    }

    /** POST /api/v1/pools/{pool}/members/{member}/remove: the member leaves the pool, also across restarts. */
    private void removeMember(HttpServerExchange exchange, String caller, String poolName, String memberName) throws IOException {
        if (body(exchange, NoFields.class, "{}", true) == null) {
            return;
        }
        runtimeState.changeLock().lock();
        try {
            Refusal refusal = remove(caller, poolName, memberName);
            if (refusal != null) {
                refuse(exchange, refusal);
                return;
            }
            send(exchange, 200, describe(generation.get().pools().get(poolName)));
        } finally {
            runtimeState.changeLock().unlock();
        }
    }

    /** Removes a member, also across restarts (the API and the page); audited. Null when done, else why not. */
    Refusal remove(String caller, String poolName, String memberName) {
        runtimeState.changeLock().lock();
        try {
            Pool pool = generation.get().pools().get(poolName);
            Member member = pool == null ? null : pool.member(memberName);
            if (member == null) {
                return new Refusal(404, pool == null ? noPool(poolName) : noMember(pool, memberName));
            }
            if (pool.members().size() == 1) {
                return new Refusal(409, "pool " + poolName + " keeps at least one member, and " + memberName
                        + " is its last: drain or disable it instead, or add its replacement first");
            }
            RuntimeChanges before = runtimeState.changes();
            boolean inFile = !runtimeState.addedAtRunTime(poolName, memberName);
            Refusal refusal = commitAndRebuild(before, before.withRemoved(poolName, memberName, inFile), caller);
            if (refusal == null) {
                AUDIT.info("admin {}: pool {} member {} ({}) removed at run time; the pools were rebuilt, the file was not read",
                        caller, poolName, memberName, member.config().url());
            }
            return refusal;
        } finally {
            runtimeState.changeLock().unlock();
        }
    }

    private void changeMember(HttpServerExchange exchange, String caller, String poolName, String memberName) throws IOException {
        MemberChange change = body(exchange, MemberChange.class, "{\"state\":\"draining\"}", false);
        if (change == null) {
            return;
        }
        Refusal refusal = apply(caller, poolName, memberName, change.state(), change.weight());
        if (refusal != null) {
            refuse(exchange, refusal);
            return;
        }
        Pool pool = generation.get().pools().get(poolName);
        Member member = pool == null ? null : pool.member(memberName);
        if (member == null) { // removed in the meantime by another caller
            send(exchange, 404, Map.of("error", pool == null ? noPool(poolName) : noMember(pool, memberName)));
            return;
        }
        send(exchange, 200, describe(member, pool));
    }

    /**
     * Applies a state and/or weight change: checked, written to the state file, then set on
     * the running member and audited. Null when done; otherwise why not, and nothing changed.
     */
    Refusal apply(String caller, String poolName, String memberName, String state, Integer weight) {
        runtimeState.changeLock().lock();
        try {
            Pool pool = generation.get().pools().get(poolName);
            if (pool == null) {
                return new Refusal(404, noPool(poolName));
            }
            Member member = pool.member(memberName);
            if (member == null) {
                return new Refusal(404, noMember(pool, memberName));
            }
            MemberState newState = null;
            if (state != null) {
                try {
                    newState = MemberState.valueOf(state.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    return new Refusal(400, "state must be active, draining, disabled or standby, not \"" + state + "\"");
                }
            }
            if (weight != null && !RuntimeChanges.validWeight(weight)) {
                return new Refusal(400, weightError(String.valueOf(weight)));
            }
            if (newState == null && weight == null) {
                return new Refusal(400, "nothing to change: send state and/or weight, e.g. {\"state\":\"draining\"} or {\"weight\":5}");
            }
            RuntimeChanges next = runtimeState.changes();
            if (newState != null) {
                next = next.withState(poolName, memberName, newState == member.config().state() ? null : newState.configName());
            }
            if (weight != null) {
                next = next.withWeight(poolName, memberName, weight == member.config().weight() ? null : weight);
            }
            try {
                runtimeState.commit(next, caller);
            } catch (StateFileException e) {
                LOG.error("admin {}: pool {} member {}: {}", caller, poolName, memberName, e.getMessage());
                return notWritten(e);
            }
            if (newState != null) {
                MemberState old = member.state();
                member.state(newState);
                AUDIT.info("admin {}: pool {} member {} state {} -> {}", caller, poolName, memberName, old.configName(), newState.configName());
            }
            if (weight != null) {
                int old = member.weight();
                pool.weight(member, weight);
                AUDIT.info("admin {}: pool {} member {} weight {} -> {}", caller, poolName, memberName, old, weight);
            }
            return null;
        } finally {
            runtimeState.changeLock().unlock();
        }
    }

    /** GET /api/v1/cluster: the cluster as this instance sees it, and who last changed the run-time state, through which instance. */
    Map<String, Object> describeCluster() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> view = cluster == null ? null : cluster.get();
        out.put("enabled", view != null);
        if (view != null) {
            out.putAll(view);
        }
        ChangeStamp stamp = runtimeState.stamp();
        Map<String, Object> changed = new LinkedHashMap<>();
        changed.put("at", stamp.at() == 0 ? null : java.time.Instant.ofEpochMilli(stamp.at()).toString());
        changed.put("through", stamp.through());
        changed.put("by", stamp.by());
        out.put("runtimeStateChanged", changed);
        return out;
    }

    /** "no pool x" with the pools there are, for a caller who mistyped. */
    String noPool(String poolName) {
        return "no pool \"" + poolName + "\"; the pools are " + String.join(", ", generation.get().pools().keySet())
                + " (sluice ctl pools lists them)";
    }

    static String noMember(Pool pool, String memberName) {
        return "no member \"" + memberName + "\" in pool " + pool.name() + "; its members are "
                + String.join(", ", pool.members().stream().map(Member::name).toList());
    }

    static String weightError(String weight) {
        return "weight must be a whole number from 1 to 100, not " + weight;
    }

    List<Object> pools() {
        List<Object> pools = new ArrayList<>();
        generation.get().pools().values().forEach(pool -> pools.add(describe(pool)));
        return pools;
    }

    /** Every route in order, with its requests so far and per second over the last minute of samples. */
    List<Object> routes() {
        List<Object> routes = new ArrayList<>();
        for (io.sluice.config.RouteConfig route : generation.get().config().routes()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", route.name());
            out.put("prefix", route.prefix());
            out.put("host", route.host());
            out.put("pool", route.status() != 0 ? "" : route.pool());
            out.put("status", route.status());
            out.put("rewrite", route.rewrite());
            out.put("requests", metrics.routeRequests(route.name()));
            out.put("requestsPerSecond", lastMinute(rates.route(route.name())));
            routes.add(out);
        }
        return routes;
    }

    /** The mean of the last minute's samples, to two places. */
    private static double lastMinute(double[] points) {
        int n = Math.min(points.length, 60 / RateHistory.SECONDS_PER_POINT);
        double sum = 0;
        for (int i = points.length - n; i < points.length; i++) {
            sum += points[i];
        }
        return Math.round(sum / n * 100) / 100.0;
    }

    /** Every listener of the configuration in force, with its certificates' expiry. */
    List<Object> listeners() {
        return List.copyOf(certificates.describe(generation.get().config().listeners()));
    }

    /** The configuration in force: its file, when that was loaded, and the file's SHA-256 at that moment. */
    Map<String, Object> generationInForce() {
        io.sluice.config.FileStamp file = generation.get().file();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", file == null ? "" : file.file().toString());
        out.put("loadedAt", file == null ? "" : file.loadedAt().toString());
        out.put("sha256", file == null ? "" : file.sha256());
        return out;
    }

    /** Requests per second of every member and route, oldest first, one point per secondsPerPoint. */
    Map<String, Object> history() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("secondsPerPoint", RateHistory.SECONDS_PER_POINT);
        List<Object> members = new ArrayList<>();
        for (Pool pool : generation.get().pools().values()) {
            for (Member member : pool.members()) {
                members.add(Map.of("pool", pool.name(), "member", member.name(), "requestsPerSecond", rates.member(pool.name(), member.name())));
            }
        }
        out.put("members", members);
        List<Object> routes = new ArrayList<>();
        for (io.sluice.config.RouteConfig route : generation.get().config().routes()) {
            routes.add(Map.of("route", route.name(), "requestsPerSecond", rates.route(route.name())));
        }
        out.put("routes", routes);
        return out;
    }

    Map<String, Object> describe(Pool pool) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", pool.name());
        out.put("method", pool.config().method().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        out.put("affinity", pool.config().sticky().modes().stream().map(mode -> mode.name().toLowerCase(Locale.ROOT)).toList());
        out.put("learnedSessions", pool.learnedSessions());
        out.put("sessionWindowSeconds", pool.config().sticky().recent().window().toSeconds());
        List<Object> members = new ArrayList<>();
        pool.members().forEach(member -> members.add(describe(member, pool)));
        out.put("members", members);
        return out;
    }

    Map<String, Object> describe(Member member, Pool pool) {
        String poolName = pool.name();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", member.name());
        out.put("url", member.config().url().toString());
        out.put("route", member.route());
        out.put("state", member.state().configName());
        out.put("configuredState", member.config().state().configName());
        out.put("weight", member.weight());
        out.put("configuredWeight", member.config().weight());
        out.put("effectiveWeight", Math.round(member.effectiveWeight() * 100) / 100.0);
        out.put("healthy", member.healthy());
        out.put("up", member.isUp());
        out.put("lastCheck", member.lastCheck());
        Member.CheckResult check = member.lastCheckResult();
        out.put("lastCheckAt", check == null ? "" : check.at().toString());
        out.put("lastCheckPassed", check == null ? null : check.passed());
        out.put("lastCheckReason", check == null ? "" : check.reason());
        out.put("secondsUntilRetry", member.secondsUntilRetry());
        out.put("ejectionReason", member.ejectionReason());
        out.put("inFlight", member.inFlight());
        out.put("learnedSessions", pool.learnedSessions(member));
        out.put("recentSessions", pool.recentSessions(member));
        out.put("secondsSinceSessionRequest", member.secondsSinceSessionRequest());
        out.put("secondsQuietSinceDrain", member.secondsQuietSinceDrain());
        out.put("requestsPerSecond", Math.round(member.metrics().requestsPerSecond() * 100) / 100.0);
        out.put("serverErrors", member.metrics().serverErrors());
        out.put("latencyP50Millis", Math.round(member.metrics().latencyMillis(0.5) * 10) / 10.0);
        out.put("latencyP99Millis", Math.round(member.metrics().latencyMillis(0.99) * 10) / 10.0);
        out.put("addedAtRunTime", runtimeState.addedAtRunTime(poolName, member.name()));
        out.put("changedAtRunTime", runtimeState.changedAtRunTime(poolName, member.name()));
        return out;
    }

    static void send(HttpServerExchange exchange, int status, Object body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        byte[] json = AdminJson.write(body);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        exchange.getResponseSender().send(buffer);
    }
}
