package io.sluice.admin;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.form.FormData;
import io.undertow.server.handlers.form.FormDataParser;
import io.undertow.server.handlers.form.FormParserFactory;
import io.undertow.util.Headers;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The balancer-manager page, compact like HAProxy's stats page: the configuration in
 * force, listeners and their certificates, routes and pools with charts of request rates,
 * every member's state, health, sessions and drain progress, and forms to change state and
 * weight and to add and remove members. It shows only what the JSON API answers (it is
 * rendered from the same maps), so a script sees what an operator sees. Server-rendered,
 * no external assets, no JavaScript; every form carries its own single-use nonce (httpd's
 * balancer-manager defence), checked together with Origin/Referer.
 */
final class ManagerPage {
    private static final long NONCE_NANOS = 15L * 60 * 1_000_000_000L;
    private static final int REFRESH_SECONDS = 10;
    private static final String STYLE = """
            body{font:12px/1.35 system-ui,sans-serif;margin:10px;color:#222;background:#fff}
            h1{font-size:16px;margin:0 0 4px}h2{font-size:13px;margin:14px 0 4px;padding:3px 6px;background:#20435c;color:#fff}
            .meta{color:#555;margin:0 0 6px}.meta code{font-size:11px}
            .wrap{overflow-x:auto}table{border-collapse:collapse;margin:2px 0 6px}
            th,td{border:1px solid #c8ccd0;padding:2px 5px;text-align:left;vertical-align:top;white-space:nowrap}
            th{background:#e4e9ee;font-weight:600}td.n{text-align:right}small{color:#555}
            tr.changed td{background:#fff3cd}.down{color:#b00;font-weight:bold}.ok{color:#176f2c}
            .warn{color:#fff;background:#c0392b;padding:0 3px;border-radius:2px}.drain{color:#8a5a00}
            form{display:inline;margin:0}button{font-size:11px;margin:0 1px;padding:0 4px}input{font-size:11px}
            .chart{width:100%;max-width:640px;height:auto;display:block}.legend span{margin-right:10px;white-space:nowrap}
            .add input{width:11em}.add input[name=weight]{width:3.5em}td.state{white-space:normal;min-width:8em}td.health{white-space:normal;max-width:20em}
            @media (max-width:640px){table.members,table.members tbody,table.members tr,table.members td{display:block}
            table.members tr:first-child{display:none}table.members tr{border:1px solid #c8ccd0;margin:0 0 6px}
            table.members td{border:0;padding:1px 5px;white-space:normal;text-align:left}
            table.members td[data-label]::before{content:attr(data-label) ": ";color:#555}.chart text{font-size:17px}}
            """;

    private final AdminApi api;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> nonces = new ConcurrentHashMap<>();
    private final FormParserFactory forms = FormParserFactory.builder().build();

    ManagerPage(AdminApi api) {
        this.api = api;
    }

    void render(HttpServerExchange exchange, String caller) {
        // ?refresh=0 stops the page reloading itself (while filling in a form, say); forms keep the choice
        java.util.Deque<String> refreshParameter = exchange.getQueryParameters().get("refresh");
        boolean refresh = refreshParameter == null || !refreshParameter.getFirst().equals("0");
        Map<String, Object> history = api.history();
        StringBuilder html = new StringBuilder(32_768);
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sluice balancer manager</title>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append(refresh ? "<meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\">" : "")
                .append("<style>").append(STYLE).append("</style></head><body>");
        html.append("<h1>Sluice balancer manager</h1><p class=\"meta\">sluice ").append(escape(io.sluice.build.Version.current()))
                .append(" &middot; signed in as ").append(escape(caller)).append(" &middot; ")
                .append(refresh ? "refreshes every " + REFRESH_SECONDS + " s (<a href=\"/?refresh=0\">stop</a>)"
                        : "not refreshing (<a href=\"/\">refresh every " + REFRESH_SECONDS + " s</a>)")
                .append("</p>");

        generation(html, api.generationInForce());
        cluster(html, api.describeCluster());
        listeners(html, api.listeners());
        List<Object> pools = new java.util.ArrayList<>(api.pools());
        pools.sort(java.util.Comparator.comparing(pool -> text(map(pool).get("name")))); // the same order at every look
        for (Object pool : pools) {
            pool(html, map(pool), history, refresh);
        }
        routes(html, api.routes(), history);
        html.append("<p class=\"meta\">Yellow rows: changed at run time (added through the API or the page, or state or weight set;")
                .append(" kept in the state file, differs from the config file). Charts: requests per second, one point every ")
                .append(RateHistory.SECONDS_PER_POINT).append(" s over the last ")
                .append(RateHistory.POINTS * RateHistory.SECONDS_PER_POINT / 60).append(" minutes. All of it is in the JSON API")
                .append(" under /api/v1/.</p></body></html>");
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(Headers.CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
        exchange.getResponseSender().send(html.toString());
    }

    private static void generation(StringBuilder html, Map<String, Object> generation) {
        String sha = text(generation.get("sha256"));
        html.append("<p class=\"meta generation\">configuration <code>").append(escape(text(generation.get("file"))))
                .append("</code> loaded ").append(escape(text(generation.get("loadedAt")))).append(" &middot; sha256 <code title=\"")
                .append(escape(sha)).append("\">").append(escape(sha.length() > 16 ? sha.substring(0, 16) + "…" : sha)).append("</code></p>");
    }

    /** One line: the cluster's members as this instance sees them, the session traffic, the last run-time change. */
    private static void cluster(StringBuilder html, Map<String, Object> cluster) {
        Map<String, Object> changed = map(cluster.get("runtimeStateChanged"));
        String lastChange = changed.get("at") == null ? "never" : text(changed.get("at")) + " by " + text(changed.get("by"))
                + (text(changed.get("through")).isEmpty() ? "" : " through " + text(changed.get("through")));
        if (!Boolean.TRUE.equals(cluster.get("enabled"))) {
            html.append("<p class=\"meta\">run-time state last changed ").append(escape(lastChange)).append("</p>");
            return;
        }
        Map<String, Object> sessions = map(cluster.get("sessions"));
        List<Object> members = list(cluster.get("members"));
        html.append("<p class=\"meta cluster\">cluster <b>").append(escape(text(cluster.get("name")))).append("</b>, ")
                .append(members.size()).append(" instance(s): ");
        for (int i = 0; i < members.size(); i++) {
            String member = text(members.get(i));
            html.append(i == 0 ? "" : ", ").append(member.equals(text(cluster.get("self"))) ? "<b>" + escape(member) + "</b> (this one)"
                    : escape(member));
        }
        html.append(" &middot; learned sessions sent ").append(sessions.get("sent")).append(", received ").append(sessions.get("received"))
                .append(", queued ").append(sessions.get("queued")).append(", dropped ").append(sessions.get("dropped"))
                .append(" &middot; run-time state last changed ").append(escape(lastChange)).append("</p>");
    }

    private static void listeners(StringBuilder html, List<Object> listeners) {
        html.append("<h2>listeners</h2><div class=\"wrap\"><table class=\"listeners\"><tr><th>listener</th><th>bind</th><th>scheme</th>")
                .append("<th>days left</th><th>expires</th><th>certificate</th></tr>");
        for (Object item : listeners) {
            Map<String, Object> listener = map(item);
            List<Object> certificates = list(listener.get("certificates"));
            int rows = Math.max(1, certificates.size());
            html.append("<tr data-listener=\"").append(escape(text(listener.get("name")))).append("\"><td rowspan=\"").append(rows).append("\">")
                    .append(escape(text(listener.get("name")))).append("</td><td rowspan=\"").append(rows).append("\">")
                    .append(escape(text(listener.get("bind")))).append("</td><td rowspan=\"").append(rows).append("\">")
                    .append(escape(text(listener.get("scheme"))));
            if (!text(listener.get("redirectTo")).isEmpty()) {
                html.append(" &rarr; ").append(escape(text(listener.get("redirectTo"))));
            }
            html.append("</td>");
            if (certificates.isEmpty()) {
                html.append("<td colspan=\"3\"><small>none</small></td></tr>");
            }
            for (int i = 0; i < certificates.size(); i++) {
                Map<String, Object> certificate = map(certificates.get(i));
                if (i > 0) {
                    html.append("<tr>");
                }
                html.append("<td class=\"n days\">");
                if (certificate.containsKey("daysLeft")) {
                    boolean soon = Boolean.TRUE.equals(certificate.get("expiresSoon"));
                    html.append(soon ? "<span class=\"warn\">" : "").append(certificate.get("daysLeft")).append(soon ? "</span>" : "");
                }
                html.append("</td><td>").append(escape(text(certificate.get("notAfter")))).append("</td><td>")
                        .append(escape(text(certificate.get("source"))));
                if (certificate.containsKey("subject")) {
                    html.append("<br><small>").append(escape(text(certificate.get("subject")))).append("</small>");
                }
                if (certificate.containsKey("error")) {
                    html.append("<br><span class=\"down\">").append(escape(text(certificate.get("error")))).append("</span>");
                }
                html.append("</td></tr>");
            }
        }
        html.append("</table></div>");
    }

    private static void routes(StringBuilder html, List<Object> routes, Map<String, Object> history) {
        html.append("<h2>routes</h2>");
        List<String> names = new java.util.ArrayList<>();
        List<double[]> series = new java.util.ArrayList<>();
        for (Object item : list(history.get("routes"))) {
            names.add(text(map(item).get("route")));
            series.add((double[]) map(item).get("requestsPerSecond"));
        }
        RateChart.draw(html, "routes", names, series);
        html.append("<div class=\"wrap\"><table class=\"routes\"><tr><th>route</th><th>pool</th><th>req/s</th><th>requests</th>")
                .append("<th>prefix</th><th>host</th><th>rewrite</th></tr>");
        for (Object item : routes) {
            Map<String, Object> route = map(item);
            int status = ((Number) route.get("status")).intValue();
            html.append("<tr data-route=\"").append(escape(text(route.get("name")))).append("\"><td>").append(escape(text(route.get("name"))))
                    .append("</td><td class=\"pool\">").append(status != 0 ? "answers " + status : escape(text(route.get("pool"))))
                    .append("</td><td class=\"n\">").append(route.get("requestsPerSecond"))
                    .append("</td><td class=\"n requests\">").append(route.get("requests"))
                    .append("</td><td>").append(escape(text(route.get("prefix")))).append("</td><td>").append(escape(text(route.get("host"))))
                    .append("</td><td>").append(escape(text(route.get("rewrite")))).append("</td></tr>");
        }
        html.append("</table></div>");
    }

    private void pool(StringBuilder html, Map<String, Object> pool, Map<String, Object> history, boolean refresh) {
        String poolName = text(pool.get("name"));
        long window = ((Number) pool.get("sessionWindowSeconds")).longValue();
        List<Object> affinity = list(pool.get("affinity"));
        html.append("<h2>pool ").append(escape(poolName)).append("</h2><p class=\"meta\">").append(escape(text(pool.get("method"))))
                .append(affinity.isEmpty() ? ", no affinity" : ", affinity " + escape(String.join(", ", affinity.stream().map(String::valueOf).toList()))
                        + ", sessions: those seen in the last " + duration(window));
        long learned = ((Number) pool.get("learnedSessions")).longValue();
        if (learned >= 0) {
            html.append(", ").append(learned).append(" learned sessions");
        }
        html.append("</p>");
        List<String> names = new java.util.ArrayList<>();
        List<double[]> series = new java.util.ArrayList<>();
        for (Object item : list(history.get("members"))) {
            if (poolName.equals(map(item).get("pool"))) {
                names.add(text(map(item).get("member")));
                series.add((double[]) map(item).get("requestsPerSecond"));
            }
        }
        RateChart.draw(html, poolName, names, series);
        html.append("<div class=\"wrap\"><table class=\"members\"><tr><th>member</th><th>state</th><th>health</th><th>last check</th>")
                .append("<th>weight</th><th>sessions</th><th>in flight</th><th>req/s</th><th>5xx</th><th>p50 / p99 ms</th>")
                .append("<th>set state</th><th>set weight</th><th></th></tr>");
        for (Object item : list(pool.get("members"))) {
            member(html, poolName, map(item), window, refresh);
        }
        html.append("</table></div>");
        html.append(formStart("add", poolName, null, refresh)).append("<span class=\"add\">add member: ")
                .append("<input name=\"url\" placeholder=\"http://10.0.0.13:9763\" required aria-label=\"url\"> ")
                .append("<input name=\"route\" placeholder=\"jvmRoute\" aria-label=\"route\"> ")
                .append("<input name=\"name\" placeholder=\"name (default: route)\" aria-label=\"name\"> ")
                .append("<input name=\"weight\" type=\"number\" min=\"1\" max=\"100\" value=\"1\" aria-label=\"weight\"> ")
                .append("<button>add</button></span></form>");
    }

    private void member(StringBuilder html, String poolName, Map<String, Object> member, long window, boolean refresh) {
        String name = text(member.get("name"));
        String state = text(member.get("state"));
        boolean changed = Boolean.TRUE.equals(member.get("changedAtRunTime"));
        html.append("<tr").append(changed ? " class=\"changed\"" : "").append(" data-member=\"").append(escape(name)).append("\"><td class=\"name\">")
                .append("<b>").append(escape(name)).append("</b><br><small>").append(escape(text(member.get("url"))));
        if (!text(member.get("route")).isEmpty()) {
            html.append(" route ").append(escape(text(member.get("route"))));
        }
        if (Boolean.TRUE.equals(member.get("addedAtRunTime"))) {
            html.append(" &middot; added at run time");
        }
        html.append("</small></td><td class=\"state\" data-label=\"state\">").append(escape(state));
        if (!state.equals(member.get("configuredState"))) {
            html.append(" <small>(file: ").append(escape(text(member.get("configuredState")))).append(")</small>");
        }
        long quiet = number(member, "secondsQuietSinceDrain");
        if (quiet >= 0) {
            html.append("<br><small class=\"drain progress\">").append(sessionsLeft(member)).append(" sessions left, ")
                    .append(member.get("inFlight")).append(" in flight, quiet ").append(duration(quiet)).append("</small>");
        }
        html.append("</td><td class=\"health\" data-label=\"health\">");
        long retry = number(member, "secondsUntilRetry");
        if (Boolean.TRUE.equals(member.get("up"))) {
            html.append("<span class=\"ok\">up</span>");
        } else if (!Boolean.TRUE.equals(member.get("healthy"))) {
            html.append("<span class=\"down\">unhealthy</span>");
        } else {
            html.append("<span class=\"down\">ejected</span>");
        }
        if (retry >= 0) {
            html.append(" <small class=\"countdown\">retry in ").append(retry).append(" s</small><br><small class=\"reason\">")
                    .append(escape(text(member.get("ejectionReason")))).append("</small>");
        }
        html.append("</td><td class=\"check\" data-label=\"last check\">");
        if (!text(member.get("lastCheckAt")).isEmpty()) {
            boolean passed = Boolean.TRUE.equals(member.get("lastCheckPassed"));
            html.append(passed ? "<span class=\"ok\">passed</span>" : "<span class=\"down\">failed</span>").append(" <small>")
                    .append(escape(text(member.get("lastCheckAt")))).append("<br>").append(escape(text(member.get("lastCheckReason"))))
                    .append("</small>");
        } else {
            html.append("<small>no checks</small>");
        }
        html.append("</td><td class=\"n\" data-label=\"weight\">").append(member.get("effectiveWeight"));
        if (((Number) member.get("effectiveWeight")).doubleValue() != number(member, "weight")) {
            html.append(" <small>of ").append(member.get("weight")).append("</small>");
        }
        html.append("</td><td class=\"n sessions\" data-label=\"sessions\" title=\"distinct sessions seen in the last ").append(duration(window)).append("\">")
                .append(number(member, "recentSessions") < 0 ? "-" : member.get("recentSessions"));
        if (number(member, "learnedSessions") >= 0) {
            html.append(" <small>(").append(member.get("learnedSessions")).append(" learned)</small>");
        }
        html.append("</td><td class=\"n\" data-label=\"in flight\">").append(member.get("inFlight"))
                .append("</td><td class=\"n\" data-label=\"req/s\">").append(member.get("requestsPerSecond"))
                .append("</td><td class=\"n\" data-label=\"5xx\">").append(member.get("serverErrors"))
                .append("</td><td class=\"n\" data-label=\"p50 / p99 ms\">").append(member.get("latencyP50Millis")).append(" / ")
                .append(member.get("latencyP99Millis")).append("</td><td class=\"actions\">");
        for (String target : List.of("active", "draining", "disabled", "standby")) {
            html.append(formStart("state", poolName, name, refresh)).append("<input type=\"hidden\" name=\"state\" value=\"").append(target).append("\">")
                    .append("<button name=\"action\" value=\"").append(target).append("\"").append(state.equals(target) ? " disabled" : "")
                    .append(">").append(target).append("</button></form>");
        }
        html.append("</td><td class=\"actions\">").append(formStart("weight", poolName, name, refresh))
                .append("<input name=\"weight\" type=\"number\" min=\"1\" max=\"100\" style=\"width:3.5em\" value=\"").append(member.get("weight"))
                .append("\" aria-label=\"weight\"><button>set</button></form></td><td class=\"actions\">").append(formStart("remove", poolName, name, refresh))
                .append("<button class=\"remove\">remove</button></form></td></tr>");
    }

    /** What a drain still waits for: the sessions seen in the window, or the learned ones where those are more. */
    private static long sessionsLeft(Map<String, Object> member) {
        return Math.max(0, Math.max(number(member, "recentSessions"), number(member, "learnedSessions")));
    }

    /** A form's opening with its single-use nonce; on a page that does not refresh itself, the answer leads back to one. */
    private String formStart(String kind, String pool, String member, boolean refresh) {
        StringBuilder form = new StringBuilder("<form method=\"post\" action=\"/manager\" class=\"").append(kind).append("\">")
                .append("<input type=\"hidden\" name=\"nonce\" value=\"").append(nonce()).append("\">")
                .append("<input type=\"hidden\" name=\"pool\" value=\"").append(escape(pool)).append("\">");
        if (!refresh) {
            form.append("<input type=\"hidden\" name=\"refresh\" value=\"0\">");
        }
        if (member != null) {
            form.append("<input type=\"hidden\" name=\"member\" value=\"").append(escape(member)).append("\">");
        }
        if (kind.equals("add") || kind.equals("remove")) {
            form.append("<input type=\"hidden\" name=\"action\" value=\"").append(kind).append("\">");
        }
        return form.toString();
    }

    /** A form post from the page: nonce first (single use), then the change through the API's audited path. */
    void submit(HttpServerExchange exchange, String caller) throws java.io.IOException {
        FormDataParser parser = forms.createParser(exchange);
        if (parser == null) {
            AdminApi.send(exchange, 415, Map.of("error", "expected a form post (application/x-www-form-urlencoded) from the page"));
            return;
        }
        FormData form = parser.parseBlocking();
        String nonce = value(form, "nonce");
        Long expiry = nonce == null ? null : nonces.remove(nonce);
        if (expiry == null || System.nanoTime() - expiry > 0) {
            AdminApi.send(exchange, 403, Map.of("error", "this form has expired or was already used; reload the page"));
            return;
        }
        String weight = value(form, "weight");
        Integer weightValue = null;
        if (weight != null) {
            try {
                weightValue = Integer.valueOf(weight.trim());
            } catch (NumberFormatException e) {
                AdminApi.send(exchange, 400, Map.of("error", AdminApi.weightError("\"" + weight + "\"")));
                return;
            }
        }
        String pool = value(form, "pool");
        String action = value(form, "action");
        AdminApi.Refusal refusal;
        if ("add".equals(action)) {
            refusal = api.add(caller, pool, new AdminApi.NewMember(blankToNull(value(form, "name")), value(form, "url"),
                    blankToNull(value(form, "route")), weightValue));
        } else if ("remove".equals(action)) {
            refusal = api.remove(caller, pool, value(form, "member"));
        } else {
            refusal = api.apply(caller, pool, value(form, "member"), value(form, "state"), weightValue);
        }
        if (refusal != null) {
            AdminApi.send(exchange, refusal.status(), Map.of("error", refusal.error()));
            return;
        }
        exchange.setStatusCode(303);
        exchange.getResponseHeaders().put(Headers.LOCATION, "0".equals(value(form, "refresh")) ? "/?refresh=0" : "/");
        exchange.endExchange();
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    private static String value(FormData form, String name) {
        FormData.FormValue value = form.getFirst(name);
        return value == null ? null : value.getValue();
    }

    private String nonce() {
        if (nonces.size() > 5000) {
            long now = System.nanoTime();
            for (Iterator<Map.Entry<String, Long>> it = nonces.entrySet().iterator(); it.hasNext(); ) {
                if (now - it.next().getValue() > 0) {
                    it.remove();
                }
            }
        }
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String nonce = HexFormat.of().formatHex(bytes);
        nonces.put(nonce, System.nanoTime() + NONCE_NANOS);
        return nonce;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return (List<Object>) value;
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static long number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }

    /** 75 -> "1 m 15 s", 300 -> "5 m", 12 -> "12 s". */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        return seconds / 60 + " m" + (seconds % 60 == 0 ? "" : " " + seconds % 60 + " s");
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Locale-independent number formatting for the chart's coordinates and labels. */
    static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
