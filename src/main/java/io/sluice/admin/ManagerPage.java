package io.sluice.admin;

import io.sluice.Sluice;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import io.sluice.runtime.Generation;
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
import java.util.function.Supplier;

/**
 * The balancer-manager page: every pool and member at a glance, with a chart of request
 * rates, and forms to set a member's state and weight. Server-rendered, no external
 * assets, no JavaScript needed; every form carries its own single-use nonce (httpd's
 * balancer-manager defence), checked together with Origin/Referer.
 */
final class ManagerPage {
    private static final long NONCE_NANOS = 15L * 60 * 1_000_000_000L;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};

    private final Supplier<Generation> generation;
    private final AdminApi api;
    private final RateHistory rates;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> nonces = new ConcurrentHashMap<>();
    private final FormParserFactory forms = FormParserFactory.builder().build();

    ManagerPage(Supplier<Generation> generation, AdminApi api, RateHistory rates) {
        this.generation = generation;
        this.api = api;
        this.rates = rates;
    }

    void render(HttpServerExchange exchange, String caller) {
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sluice balancer manager</title>")
                .append("<meta http-equiv=\"refresh\" content=\"10\"><style>")
                .append("body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}")
                .append("th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f3f3f3}")
                .append(".down{color:#b00;font-weight:bold}.changed{background:#fff3cd}form{display:inline;margin:0}")
                .append("button{margin:0 .1em}svg{border:1px solid #ddd;background:#fcfcfc}.legend span{margin-right:1em}")
                .append("</style></head><body>");
        html.append("<h1>Sluice balancer manager</h1><p>sluice ").append(escape(Sluice.version())).append(" &middot; signed in as ")
                .append(escape(caller)).append(" &middot; ").append(escape(generation.get().config().source().toString())).append("</p>");
        for (Pool pool : generation.get().pools().values()) {
            pool(html, pool);
        }
        html.append("<p>Yellow rows: changed at run time (kept in the state file, differs from the config file). ")
                .append("Rates: requests per second over the last minute; chart: every ").append(RateHistory.SECONDS_PER_POINT)
                .append(" s over the last ").append(RateHistory.POINTS * RateHistory.SECONDS_PER_POINT / 60).append(" minutes.</p>")
                .append("</body></html>");
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(Headers.CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
        exchange.getResponseSender().send(html.toString());
    }

    private void pool(StringBuilder html, Pool pool) {
        html.append("<h2>pool ").append(escape(pool.name())).append("</h2><p>")
                .append(escape(pool.config().method().name().toLowerCase(Locale.ROOT).replace('_', '-')))
                .append(", affinity ").append(escape(pool.config().sticky().modes().toString().toLowerCase(Locale.ROOT)));
        if (pool.learnedSessions() >= 0) {
            html.append(", ").append(pool.learnedSessions()).append(" learned sessions");
        }
        html.append("</p>");
        chart(html, pool);
        html.append("<table><tr><th>member</th><th>url</th><th>route</th><th>state</th><th>health</th><th>weight</th>")
                .append("<th>in flight</th><th>req/s</th><th>5xx</th><th>p50 / p99 ms</th><th>set state</th><th>set weight</th></tr>");
        for (Member member : pool.members()) {
            boolean changed = member.state() != member.config().state() || member.weight() != member.config().weight();
            html.append("<tr").append(changed ? " class=\"changed\"" : "").append(" data-member=\"").append(escape(member.name())).append("\">")
                    .append("<td>").append(escape(member.name())).append("</td><td>").append(escape(member.config().url().toString()))
                    .append("</td><td>").append(escape(member.route())).append("</td><td class=\"state\">").append(member.state().configName());
            if (member.state() != member.config().state()) {
                html.append(" <small>(file: ").append(member.config().state().configName()).append(")</small>");
            }
            html.append("</td><td>").append(member.isUp() ? "up" : "<span class=\"down\">" + (member.healthy() ? "ejected" : "unhealthy") + "</span>");
            if (!member.lastCheck().isEmpty()) {
                html.append("<br><small>").append(escape(member.lastCheck())).append("</small>");
            }
            html.append("")
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.2f", member.effectiveWeight()));
            if (member.effectiveWeight() != member.weight()) {
                html.append(" of ").append(member.weight());
            }
            html.append("</td><td>").append(member.inFlight()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f", member.metrics().requestsPerSecond())).append("</td><td>")
                    .append(member.metrics().serverErrors()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f / %.1f", member.metrics().latencyMillis(0.5), member.metrics().latencyMillis(0.99)))
                    .append("</td><td>");
            for (String state : List.of("active", "draining", "disabled", "standby")) {
                html.append(form(pool, member)).append("<input type=\"hidden\" name=\"state\" value=\"").append(state).append("\">")
                        .append("<button name=\"action\" value=\"").append(state).append("\"")
                        .append(member.state().configName().equals(state) ? " disabled" : "").append(">").append(state).append("</button></form>");
            }
            html.append("</td><td>").append(form(pool, member)).append("<input name=\"weight\" type=\"number\" min=\"1\" max=\"100\" size=\"3\" value=\"")
                    .append(member.weight()).append("\"><button>set</button></form></td></tr>");
        }
        html.append("</table>");
    }

    private String form(Pool pool, Member member) {
        return "<form method=\"post\" action=\"/manager\"><input type=\"hidden\" name=\"nonce\" value=\"" + nonce() + "\">"
                + "<input type=\"hidden\" name=\"pool\" value=\"" + escape(pool.name()) + "\">"
                + "<input type=\"hidden\" name=\"member\" value=\"" + escape(member.name()) + "\">";
    }

    /** An SVG line per member: requests per second over the last minutes. */
    private void chart(StringBuilder html, Pool pool) {
        int width = 600;
        int height = 120;
        double max = 1;
        List<Member> members = pool.members();
        double[][] series = new double[members.size()][];
        for (int i = 0; i < members.size(); i++) {
            series[i] = rates.points(pool.name(), members.get(i).name());
            for (double point : series[i]) {
                max = Math.max(max, point);
            }
        }
        html.append("<svg class=\"chart\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" role=\"img\" aria-label=\"requests per second per member\">");
        for (int i = 0; i < members.size(); i++) {
            html.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(COLOURS[i % COLOURS.length]).append("\" points=\"");
            for (int p = 0; p < series[i].length; p++) {
                double x = p * (width - 1) / (double) (RateHistory.POINTS - 1);
                double y = height - 4 - series[i][p] / max * (height - 8);
                html.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            html.append("\"/>");
        }
        html.append("<text x=\"4\" y=\"12\" font-size=\"10\">").append(String.format(Locale.ROOT, "%.1f", max)).append(" req/s</text></svg>");
        html.append("<div class=\"legend\">");
        for (int i = 0; i < members.size(); i++) {
            html.append("<span style=\"color:").append(COLOURS[i % COLOURS.length]).append("\">&#9632; ")
                    .append(escape(members.get(i).name())).append("</span>");
        }
        html.append("</div>");
    }

    /** A form post from the page: nonce first (single use), then the change through the API's audited path. */
    void submit(HttpServerExchange exchange, String caller) throws java.io.IOException {
        FormDataParser parser = forms.createParser(exchange);
        if (parser == null) {
            AdminApi.send(exchange, 415, Map.of("error", "expected a form post"));
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
                AdminApi.send(exchange, 400, Map.of("error", "weight must be a whole number from 1 to 100, not " + weight));
                return;
            }
        }
        AdminApi.Refusal refusal = api.apply(caller, value(form, "pool"), value(form, "member"), value(form, "state"), weightValue);
        if (refusal != null) {
            AdminApi.send(exchange, refusal.status(), Map.of("error", refusal.error()));
            return;
        }
        exchange.setStatusCode(303);
        exchange.getResponseHeaders().put(Headers.LOCATION, "/");
        exchange.endExchange();
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
}
