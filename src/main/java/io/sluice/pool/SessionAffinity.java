package io.sluice.pool;

import io.sluice.config.StickyConfig;
import io.sluice.config.StickyConfig.AffinityMode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A pool's session affinity: on the way in, the modes (route, learn, insert) are tried in
 * order to find the member a request's session belongs to; on the way out, the client's
 * affinity is kept pointing at the member that actually served it: sessions are learned,
 * the Sluice cookie is issued when the member changed (never on every response), and
 * after a failover the old route is re-stamped so the client does not flap back.
 */
final class SessionAffinity {
    private final StickyConfig config;
    private final Member[] members;
    private final StickyRoute route;
    private final LearnedSessions learned;
    private final String[] insertIds;
    private final String insertCookiePrefix;
    private final String insertAttributes;

    SessionAffinity(StickyConfig config, Member[] members, String poolName, SessionAffinity previous) {
        this.config = config;
        this.members = members;
        this.route = config.has(AffinityMode.ROUTE) ? new StickyRoute(config) : null;
        this.learned = !config.has(AffinityMode.LEARN) ? null
                : previous != null && previous.learned != null && previous.config.learn().equals(config.learn())
                        ? previous.learned // a reload keeps what was learned
                        : new LearnedSessions(config.learn().maxEntries(), config.learn().sessionTimeout().toSeconds());
        this.insertIds = new String[members.length];
        for (int i = 0; i < members.length; i++) {
            insertIds[i] = opaqueId(poolName, members[i].name());
        }
        StickyConfig.Insert insert = config.insert();
        this.insertCookiePrefix = insert.cookie() + "=";
        StringBuilder attributes = new StringBuilder("; Path=").append(insert.path());
        if (!insert.maxAge().isZero()) {
            attributes.append("; Max-Age=").append(insert.maxAge().toSeconds());
        }
        if (insert.httpOnly()) {
            attributes.append("; HttpOnly");
        }
        if (!insert.sameSite().isEmpty()) {
            attributes.append("; SameSite=").append(insert.sameSite());
        }
        this.insertAttributes = attributes.toString();
    }

    LearnedSessions learned() {
        return learned;
    }

    /**
     * The member the request's session belongs to: its index, -1 when the request has no
     * session Sluice knows of, -2 when it names a member that does not exist (route mode).
     * Records which mode found it in the trace.
     */
    int find(HttpServerExchange exchange, RequestTrace trace) {
        int unknown = -1;
        for (AffinityMode mode : config.modes()) {
            int found = switch (mode) {
                case ROUTE -> route.find(exchange, members);
                case LEARN -> findLearned(exchange);
                case INSERT -> findInserted(exchange);
            };
            if (found >= 0) {
                trace.stickySource(mode);
                return found;
            }
            if (found == -2) {
                unknown = -2;
            }
        }
        return unknown;
    }

    private int findLearned(HttpServerExchange exchange) {
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        if (cookies == null) {
            return -1;
        }
        for (int h = 0; h < cookies.size(); h++) {
            String header = cookies.get(h);
            for (String name : config.cookies()) {
                long value = CookieHeader.find(header, name);
                if (value != CookieHeader.NOT_FOUND) {
                    int member = learned.find(header, CookieHeader.start(value), CookieHeader.end(value));
                    return member < members.length ? member : -1;
                }
            }
        }
        return -1;
    }

    private int findInserted(HttpServerExchange exchange) {
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        if (cookies == null) {
            return -1;
        }
        String name = config.insert().cookie();
        for (int h = 0; h < cookies.size(); h++) {
            String header = cookies.get(h);
            long value = CookieHeader.find(header, name);
            if (value != CookieHeader.NOT_FOUND) {
                int start = CookieHeader.start(value);
                int length = CookieHeader.end(value) - start;
                for (int i = 0; i < insertIds.length; i++) {
                    if (insertIds[i].length() == length && header.regionMatches(start, insertIds[i], 0, length)) {
                        return i;
                    }
                }
                return -1; // an id of no member (a removed one): a new session
            }
        }
        return -1;
    }

    /** Just before the response head goes out: keep the client's affinity on the member that served. */
    void onResponse(HttpServerExchange exchange, RequestTrace trace, boolean secure) {
        Member served = trace.member();
        if (served == null || !config.enabled()) {
            return;
        }
        HeaderMap responseHeaders = exchange.getResponseHeaders();
        boolean sessionCookieSet = false;
        HeaderValues setCookies = responseHeaders.get(Headers.SET_COOKIE);
        if (setCookies != null) {
            for (int i = 0; i < setCookies.size(); i++) {
                String setCookie = setCookies.get(i);
                for (String name : config.cookies()) {
                    long value = CookieHeader.setCookieValue(setCookie, name);
                    if (value != CookieHeader.NOT_FOUND) {
                        sessionCookieSet = true;
                        if (learned != null && CookieHeader.end(value) > CookieHeader.start(value)) {
                            learned.learn(setCookie, CookieHeader.start(value), CookieHeader.end(value), served.index());
                        }
                    }
                }
            }
        }
        boolean failedOver = trace.outcome() == StickyOutcome.FAILOVER;
        if (failedOver && !sessionCookieSet) {
            restampSession(exchange, served, secure);
        }
        if (config.has(AffinityMode.INSERT) && findInserted(exchange) != served.index()) {
            responseHeaders.add(Headers.SET_COOKIE, insertCookiePrefix + insertIds[served.index()] + insertAttributes
                    + (secure(secure) ? "; Secure" : ""));
        }
    }

    /**
     * The session failed over and the new member did not issue a session cookie of its own
     * (a replicated session keeps its id): point the client's session at the new member,
     * the job Tomcat's JvmRouteBinderValve does, so it does not flap back later.
     */
    private void restampSession(HttpServerExchange exchange, Member served, boolean secure) {
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        if (cookies == null) {
            return;
        }
        for (int h = 0; h < cookies.size(); h++) {
            String header = cookies.get(h);
            for (String name : config.cookies()) {
                long value = CookieHeader.find(header, name);
                if (value == CookieHeader.NOT_FOUND) {
                    continue;
                }
                int start = CookieHeader.start(value);
                int end = CookieHeader.end(value);
                if (trace(exchange).stickySource() == AffinityMode.LEARN && learned != null) {
                    learned.learn(header, start, end, served.index());
                }
                if (trace(exchange).stickySource() == AffinityMode.ROUTE && !served.route().isEmpty()) {
                    int separator = header.indexOf(config.separator(), start);
                    String id = header.substring(start, separator < 0 || separator >= end ? end : separator);
                    exchange.getResponseHeaders().add(Headers.SET_COOKIE, name + "=" + id + config.separator() + served.route()
                            + "; Path=/; HttpOnly" + (secure ? "; Secure" : ""));
                }
                return;
            }
        }
    }

    private static RequestTrace trace(HttpServerExchange exchange) {
        return RequestTrace.of(exchange);
    }

    private boolean secure(boolean clientSecure) {
        return switch (config.insert().secure()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> clientSecure;
        };
    }

    /** The id the Sluice cookie carries for a member: stable across restarts, and not its address. */
    static String opaqueId(String poolName, String memberName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((poolName + "\u0000" + memberName).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
