package io.sluice.admin;

import io.sluice.config.MemberState;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import io.sluice.runtime.Generation;
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

    private final Supplier<Generation> generation;
    private final RuntimeState runtimeState;
    private final Supplier<io.sluice.runtime.SluiceServer.ReloadOutcome> rebuild;
    private final java.util.function.BooleanSupplier stopping;

    AdminApi(Supplier<Generation> generation, RuntimeState runtimeState, Supplier<io.sluice.runtime.SluiceServer.ReloadOutcome> rebuild,
             java.util.function.BooleanSupplier stopping) {
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
            List<Object> pools = new ArrayList<>();
            generation.get().pools().values().forEach(pool -> pools.add(describe(pool)));
            send(exchange, 200, Map.of("pools", pools));
        } else if (get && path.length == 2 && path[0].equals("pools")) {
            Pool pool = generation.get().pools().get(path[1]);
            if (pool == null) {
                send(exchange, 404, Map.of("error", "no pool " + path[1]));
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
            send(exchange, 404, Map.of("error", "no such API: " + exchange.getRequestMethod() + " " + exchange.getRelativePath()));
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

    private Map<String, Object> jsonBody(HttpServerExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            send(exchange, 415, Map.of("error", "send application/json"));
            return null;
        }
        try {
            return Json.readFlatObject(new String(exchange.getInputStream().readNBytes(4096), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, Map.of("error", "not a JSON object: " + e.getMessage()));
            return null;
        }
    }

    /** POST /api/v1/pools/{pool}/members {"name","url","route","weight"}: a new member, at once, kept across restarts. */
    private void addMember(HttpServerExchange exchange, String caller, String poolName) throws IOException {
        Map<String, Object> body = jsonBody(exchange);
        if (body == null) {
            return;
        }
        Pool pool = generation.get().pools().get(poolName);
        if (pool == null) {
            send(exchange, 404, Map.of("error", "no pool " + poolName));
            return;
        }
        String url = body.get("url") == null ? "" : String.valueOf(body.get("url"));
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !(("http".equals(uri.getScheme())) || "https".equals(uri.getScheme()))
                || uri.getRawQuery() != null || uri.getRawUserInfo() != null || (uri.getRawPath() != null && uri.getRawPath().length() > 1)) {
            send(exchange, 400, Map.of("error", "url must be an http:// or https:// origin, e.g. http://10.0.0.13:9763"));
            return;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        java.net.URI origin = java.net.URI.create(uri.getScheme() + "://" + uri.getHost() + ":" + port);
        String route = body.get("route") == null ? "" : String.valueOf(body.get("route"));
        String name = body.get("name") == null ? (route.isEmpty() ? uri.getHost() + ":" + port : route) : String.valueOf(body.get("name"));
        long weight = body.get("weight") instanceof Long number ? number : 1;
        if (!name.matches("[A-Za-z0-9._:-]{1,64}") || !route.matches("[A-Za-z0-9._-]{0,64}") || weight < 1 || weight > 100) {
            send(exchange, 400, Map.of("error", "name and route: letters, digits and - _ . (name also :); weight 1 to 100"));
            return;
        }
        for (Member existing : pool.members()) {
            if (existing.name().equals(name) || existing.config().url().equals(origin) || (!route.isEmpty() && route.equals(existing.route()))) {
                send(exchange, 409, Map.of("error", "pool " + poolName + " already has " + existing.name() + " (" + existing.config().url()
                        + (existing.route().isEmpty() ? "" : ", route " + existing.route()) + ")"));
                return;
            }
        }
        runtimeState.memberAdded(poolName, new io.sluice.config.MemberConfig(name, origin, route, (int) weight,
                io.sluice.config.MemberState.ACTIVE), false);
        io.sluice.runtime.SluiceServer.ReloadOutcome outcome = rebuild.get();
        if (!outcome.applied()) {
            runtimeState.memberRemoved(poolName, name, false);
            send(exchange, 400, Map.of("error", "the pool could not be rebuilt: " + outcome.summary()));
            return;
        }
        AUDIT.info("admin {}: pool {} member {} added ({}{})", caller, poolName, name, origin, route.isEmpty() ? "" : ", route " + route);
        Pool rebuilt = generation.get().pools().get(poolName);
        send(exchange, 200, describe(rebuilt.member(name), rebuilt));
    }

    /** POST /api/v1/pools/{pool}/members/{member}/remove: the member leaves the pool, also across restarts. */
    private void removeMember(HttpServerExchange exchange, String caller, String poolName, String memberName) {
        Pool pool = generation.get().pools().get(poolName);
        Member member = pool == null ? null : pool.member(memberName);
        if (member == null) {
            send(exchange, 404, Map.of("error", "no member " + memberName + " in pool " + poolName));
            return;
        }
        if (pool.members().size() == 1) {
            send(exchange, 409, Map.of("error", "a pool keeps at least one member; drain or disable it instead"));
            return;
        }
        boolean inFile = runtimeState.override(poolName, memberName, "added") == null;
        runtimeState.memberRemoved(poolName, memberName, inFile);
        io.sluice.runtime.SluiceServer.ReloadOutcome outcome = rebuild.get();
        if (!outcome.applied()) {
            send(exchange, 400, Map.of("error", "the pool could not be rebuilt: " + outcome.summary()));
            return;
        }
        AUDIT.info("admin {}: pool {} member {} removed", caller, poolName, memberName);
        send(exchange, 200, describe(generation.get().pools().get(poolName)));
    }

    private void changeMember(HttpServerExchange exchange, String caller, String poolName, String memberName) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            send(exchange, 415, Map.of("error", "send the change as application/json, e.g. {\"state\":\"draining\"}"));
            return;
        }
        Map<String, Object> change;
        try {
            change = Json.readFlatObject(new String(exchange.getInputStream().readNBytes(4096), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, Map.of("error", "not a JSON object: " + e.getMessage()));
            return;
        }
        String result = apply(caller, poolName, memberName, change.get("state"), change.get("weight"));
        if (result != null) {
            send(exchange, result.startsWith("no ") ? 404 : 400, Map.of("error", result));
            return;
        }
        Pool pool = generation.get().pools().get(poolName);
        send(exchange, 200, describe(pool.member(memberName), pool));
    }

    /** Applies a state and/or weight change, audited and persisted; returns an error text, or null. */
    String apply(String caller, String poolName, String memberName, Object state, Object weight) {
        Pool pool = generation.get().pools().get(poolName);
        if (pool == null) {
            return "no pool " + poolName;
        }
        Member member = pool.member(memberName);
        if (member == null) {
            return "no member " + memberName + " in pool " + poolName;
        }
        MemberState newState = null;
        if (state != null) {
            try {
                newState = MemberState.valueOf(String.valueOf(state).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return "state must be active, draining, disabled or standby, not " + state;
            }
        }
        Integer newWeight = null;
        if (weight != null) {
            if (!(weight instanceof Long number) || number < 1 || number > 100) {
                return "weight must be a whole number from 1 to 100, not " + weight;
            }
            newWeight = number.intValue();
        }
        if (newState == null && newWeight == null) {
            return "nothing to change: send state and/or weight";
        }
        if (newState != null) {
            MemberState old = member.state();
            member.state(newState);
            runtimeState.record(poolName, memberName, "state", newState.configName(), member.config().state().configName());
            AUDIT.info("admin {}: pool {} member {} state {} -> {}", caller, poolName, memberName, old.configName(), newState.configName());
        }
        if (newWeight != null) {
            int old = member.weight();
            pool.weight(member, newWeight);
            runtimeState.record(poolName, memberName, "weight", (long) newWeight, (long) member.config().weight());
            AUDIT.info("admin {}: pool {} member {} weight {} -> {}", caller, poolName, memberName, old, newWeight);
        }
        return null;
    }

    Map<String, Object> describe(Pool pool) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", pool.name());
        out.put("method", pool.config().method().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        out.put("affinity", pool.config().sticky().modes().stream().map(mode -> mode.name().toLowerCase(Locale.ROOT)).toList());
        out.put("learnedSessions", pool.learnedSessions());
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
        out.put("inFlight", member.inFlight());
        out.put("learnedSessions", pool.learnedSessions(member));
        out.put("secondsSinceSessionRequest", member.secondsSinceSessionRequest());
        out.put("changedAtRunTime", runtimeState.override(poolName, member.name(), "state") != null
                || runtimeState.override(poolName, member.name(), "weight") != null);
        return out;
    }

    static void send(HttpServerExchange exchange, int status, Object body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(Json.write(body) + "\n");
    }
}
