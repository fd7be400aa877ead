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
    /** Members by their place in the session tables (see Member#index); null where none is. */
    private final Member[] bySlot;
    private final StickyRoute route;
    private final LearnedSessions learned;
    /**
     * Route mode: sessions that failed over, id -> the member now serving them. The id is
     * never rewritten (a replicated Tomcat session keeps its name, "abc.is1", on is2, and
     * renaming it would log the user out); instead this table, consulted before the route
     * is parsed, keeps the session on its new member, also after the old one comes back.
     */
    private final LearnedSessions moved;
    private volatile boolean anyMoved;
    /**
     * Sessions that came back (a request carrying one) per member within
     * sticky.recent.window, whatever the mode: the only count of a member's sessions
     * where the backend alone knows them (route, insert), for the admin and drain --wait.
     * A session a response creates counts only once its client uses it: clients that never
     * come back (probes, scripts) would otherwise hold every drain for the whole window. Null when no session cookie or path parameter is read.
     */
    private final LearnedSessions recent;
    private final String pathParameterMarker;
    private final String[] insertIds;
    private final String insertCookiePrefix;
    private final String insertAttributes;
    /** The attributes over https (where same-site = auto means None). */
    private final String insertAttributesSecure;

    /**
     * @param previous the running pool's affinity, or null: its learned and failover tables
     *                 carry over while the learn settings are the same (the tables are keyed
     *                 by members' places, which persist with the members)
     */
    SessionAffinity(StickyConfig config, Member[] members, Member[] bySlot, String poolName, SessionAffinity previous,
                    SessionSharing sharing) {
        this.config = config;
        this.members = members;
        this.bySlot = bySlot;
        this.route = config.has(AffinityMode.ROUTE) ? new StickyRoute(config) : null;
        boolean carry = previous != null && previous.config.learn().equals(config.learn());
        this.learned = !config.has(AffinityMode.LEARN) ? null
                : carry && previous.learned != null ? previous.learned // a reload keeps what was learned
                : new LearnedSessions(config.learn().maxEntries(), config.learn().sessionTimeout().toSeconds(), sharing.keys());
        this.moved = !config.has(AffinityMode.ROUTE) ? null
                : carry && previous.moved != null ? previous.moved
                : new LearnedSessions(Math.min(config.learn().maxEntries(), 65_536), config.learn().sessionTimeout().toSeconds(),
                        sharing.keys());
        if (learned != null) {
            learned.onLearned((key, index) -> share(sharing, poolName, SessionSharing.Table.LEARNED, key, index));
        }
        if (moved != null) {
            moved.onLearned((key, index) -> share(sharing, poolName, SessionSharing.Table.MOVED, key, index));
        }
        this.anyMoved = moved != null && carry && previous.anyMoved;
        boolean readsSessions = config.enabled() && (!config.cookies().isEmpty() || !config.pathParameter().isEmpty());
        this.recent = !readsSessions ? null
                : previous != null && previous.recent != null && previous.config.recent().equals(config.recent()) ? previous.recent
                : new LearnedSessions(config.recent().maxEntries(), config.recent().window().toSeconds(), sharing.keys());
        this.pathParameterMarker = config.pathParameter().isEmpty() ? null : ";" + config.pathParameter() + "=";
        this.insertIds = new String[bySlot.length];
        for (Member member : members) {
            insertIds[member.index()] = opaqueId(poolName, member.name(), config.insert().secret());
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
        boolean auto = insert.sameSite().equals("auto");
        this.insertAttributes = withSameSite(attributes, auto ? "Lax" : insert.sameSite());
        // auto: a SAML POST binding or OIDC form_post comes back as a cross-site POST, which
        // carries only a SameSite=None cookie, and browsers take None only with Secure
        this.insertAttributesSecure = auto ? withSameSite(attributes, "None") : insertAttributes;
    }

    private void share(SessionSharing sharing, String poolName, SessionSharing.Table table, long key, int index) {
        Member member = member(index);
        if (member != null) {
            sharing.learned(poolName, table, key, member.name());
        }
    }

    /** A session another instance learned (or moved): kept here too, without telling anyone. */
    void learnedElsewhere(SessionSharing.Table table, long key, String memberName, long idleSeconds) {
        LearnedSessions target = table == SessionSharing.Table.LEARNED ? learned : moved;
        if (target == null) {
            return;
        }
        for (Member member : members) {
            if (member.name().equals(memberName)) {
                target.put(key, member.index(), idleSeconds);
                if (target == moved) {
                    anyMoved = true;
                }
                return;
            }
        }
    }

    /** Every live session of this pool's tables, for an instance that joins the cluster. */
    void forEachLive(SessionSharing.Table table, SessionSharing.SharedSession action) {
        LearnedSessions source = table == SessionSharing.Table.LEARNED ? learned : moved;
        if (source != null) {
            source.forEachLive((key, index, idle) -> {
                Member member = member(index);
                if (member != null) {
                    action.accept(key, member.name(), idle);
                }
            });
        }
    }

    LearnedSessions learned() {
        return learned;
    }

    /** Sessions seen per member within the recent window, or null when this pool reads no session ids. */
    LearnedSessions recent() {
        return recent;
    }

    /**
     * A request for a session of the member in {@code slot} arrived: its id (the first
     * session cookie, else the path parameter) counts as seen on that member now.
     */
    void sessionSeen(HttpServerExchange exchange, int slot) {
        if (recent == null) {
            return;
        }
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        if (cookies != null) {
            for (int h = 0; h < cookies.size(); h++) {
                String header = cookies.get(h);
                for (String name : config.cookies()) {
                    long value = CookieHeader.find(header, name);
                    if (value != CookieHeader.NOT_FOUND && CookieHeader.end(value) > CookieHeader.start(value)) {
                        recent.learn(header, CookieHeader.start(value), CookieHeader.end(value), slot);
                        return;
                    }
                }
            }
        }
        if (pathParameterMarker != null) {
            String uri = exchange.getRequestURI();
            long value = StickyRoute.pathParameter(uri, pathParameterMarker);
            if (value != CookieHeader.NOT_FOUND && CookieHeader.end(value) > CookieHeader.start(value)) {
                recent.learn(uri, CookieHeader.start(value), CookieHeader.end(value), slot);
            }
        }
    }

    /** The member in this place of the session tables, or null (one that left). */
    Member member(int slot) {
        return slot >= 0 && slot < bySlot.length ? bySlot[slot] : null;
    }

    /**
     * The member the request's session belongs to: its place (see {@link #member}), -1 when
     * the request has no session Sluice knows of, -2 when it names a member that does not
     * exist (route mode). Records which mode found it in the trace.
     */
    int find(HttpServerExchange exchange, RequestTrace trace) {
        int unknown = -1;
        for (AffinityMode mode : config.modes()) {
            int found = switch (mode) {
                case ROUTE -> {
                    int movedTo = anyMoved ? findInTable(exchange, moved) : -1;
                    yield movedTo >= 0 ? movedTo : route.find(exchange, members);
                }
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
        return findInTable(exchange, learned);
    }

    private int findInTable(HttpServerExchange exchange, LearnedSessions table) {
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        if (cookies == null) {
            return -1;
        }
        for (int h = 0; h < cookies.size(); h++) {
            String header = cookies.get(h);
            for (String name : config.cookies()) {
                long value = CookieHeader.find(header, name);
                if (value != CookieHeader.NOT_FOUND) {
                    int slot = table.find(header, CookieHeader.start(value), CookieHeader.end(value));
                    return member(slot) != null ? slot : -1; // a member that left: a new session
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
                for (int slot = 0; slot < insertIds.length; slot++) {
                    String id = insertIds[slot];
                    if (id != null && id.length() == length && header.regionMatches(start, id, 0, length)) {
                        return slot;
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
            restampSession(exchange, served, trace);
        }
        if (config.has(AffinityMode.INSERT) && findInserted(exchange) != served.index()) {
            boolean secureCookie = secure(secure);
            responseHeaders.add(Headers.SET_COOKIE, insertCookiePrefix + insertIds[served.index()]
                    + (secureCookie ? insertAttributesSecure + "; Secure" : insertAttributes));
        }
    }

    /**
     * The session failed over and the new member did not issue a session cookie of its own
     * (a replicated session keeps its id): remember that this id now lives on the new
     * member, so the client stays there and does not flap back when the old one returns.
     * (The inserted cookie, in insert mode, is re-issued by onResponse itself.)
     */
    private void restampSession(HttpServerExchange exchange, Member served, RequestTrace trace) {
        LearnedSessions table = trace.stickySource() == AffinityMode.LEARN ? learned
                : trace.stickySource() == AffinityMode.ROUTE ? moved : null;
        if (table == null) {
            return;
        }
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        if (cookies == null) {
            return;
        }
        for (int h = 0; h < cookies.size(); h++) {
            String header = cookies.get(h);
            for (String name : config.cookies()) {
                long value = CookieHeader.find(header, name);
                if (value != CookieHeader.NOT_FOUND) {
                    table.learn(header, CookieHeader.start(value), CookieHeader.end(value), served.index());
                    if (table == moved) {
                        anyMoved = true;
                    }
                    return;
                }
            }
        }
    }

    private static String withSameSite(StringBuilder attributes, String sameSite) {
        return sameSite.isEmpty() ? attributes.toString() : attributes + "; SameSite=" + sameSite;
    }

    private boolean secure(boolean clientSecure) {
        return switch (config.insert().secure()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> clientSecure;
        };
    }

    /**
     * The id the Sluice cookie carries for a member: stable across restarts and reloads,
     * and not its address. With sticky.insert.secret set it is an HMAC, which nobody can
     * invert; without, a hash of pool and member name (whose default is host:port).
     */
    static String opaqueId(String poolName, String memberName, String secret) {
        byte[] input = (poolName + "\u0000" + memberName).getBytes(StandardCharsets.UTF_8);
        try {
            byte[] digest;
            if (secret.isEmpty()) {
                digest = MessageDigest.getInstance("SHA-256").digest(input);
            } else {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                digest = mac.doFinal(input);
            }
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException | java.security.InvalidKeyException e) {
            throw new IllegalStateException("SHA-256 and HmacSHA256 are part of every JDK", e);
        }
    }
}
