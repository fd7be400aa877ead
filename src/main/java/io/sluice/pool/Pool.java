package io.sluice.pool;

import io.sluice.config.HeadersConfig;
import io.sluice.config.MemberConfig;
import io.sluice.config.PoolConfig;
import io.sluice.tls.TlsMaterialException;
import io.sluice.tls.TrustMaterial;
import io.undertow.client.UndertowClient;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.proxy.ProxyHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import io.undertow.connector.ByteBufferPool;

/** A running pool: its members, their connection pools and the proxy handler in front of them. */
public final class Pool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pool.class);

    private final PoolConfig config;
    private final Member[] members;
    private final HttpHandler proxyHandler;
    private final SessionAffinity affinity;
    private final List<HealthCheck> checks;
    private final PoolProxyClient proxyClient;
    private final io.sluice.metrics.PoolMetrics metrics;
    private final List<Runnable> onCommit;
    /** The next never-used place in the session tables, carried from generation to generation. */
    private final int nextSlot;
    /**
     * The response head limit every member's new backend connections read: one holder,
     * carried from generation to generation like the members that read it, set to this
     * generation's limits.max-header-size when it goes live.
     */
    private final AtomicInteger responseHeadLimit;
    private final int maxResponseHead;

    private Pool(PoolConfig config, Member[] members, HttpHandler proxyHandler, SessionAffinity affinity, List<HealthCheck> checks,
                 PoolProxyClient proxyClient, io.sluice.metrics.PoolMetrics metrics, List<Runnable> onCommit, int nextSlot,
                 AtomicInteger responseHeadLimit, int maxResponseHead) {
        this.onCommit = onCommit;
        this.nextSlot = nextSlot;
        this.responseHeadLimit = responseHeadLimit;
        this.maxResponseHead = maxResponseHead;
        this.config = config;
        this.members = members;
        this.proxyHandler = proxyHandler;
        this.affinity = affinity;
        this.checks = checks;
        this.proxyClient = proxyClient;
        this.metrics = metrics;
    }

    public io.sluice.metrics.PoolMetrics metrics() {
        return metrics;
    }

    /** Which member would serve this request and why (sticky route / learned / inserted / failover / balance). */
    public java.util.Map<String, Object> explain(HttpServerExchange exchange) {
        return proxyClient.explain(exchange);
    }

    /** The member of this name, or null. */
    public Member member(String name) {
        for (Member member : members) {
            if (member.name().equals(name)) {
                return member;
            }
        }
        return null;
    }

    /** Changes a member's weight at run time (1..100). */
    public void weight(Member member, int weight) {
        if (weight < 1 || weight > 100) {
            throw new IllegalArgumentException("weight must be between 1 and 100");
        }
        member.weight(weight);
        proxyClient.weightsChanged();
    }

    /**
     * Builds the pool for a new generation. Members that persist (same name and URL) are
     * carried over from {@code previous} with their health, ejection, slow start, requests
     * in flight, connections and metrics, and keep their place in the session tables, so a
     * reload or a member added or removed beside them changes nothing for them; what was
     * learned about sessions carries over too. Nothing of {@code previous} changes until
     * {@link #commit()}: a generation that is built and then discarded leaves it as it was.
     *
     * @param previous the pool of the same name in the running generation, or null
     */
    public static Pool build(PoolConfig config, HeadersConfig headers, int maxResponseHead, XnioWorker worker, ByteBufferPool buffers, Pool previous,
                             io.sluice.metrics.SluiceMetrics metrics, SessionSharing sharing) throws TlsMaterialException {
        UndertowXnioSsl ssl = null;
        MemberTrust memberTrust = null;
        if (config.hasHttpsMembers()) {
            X509ExtendedTrustManager trust;
            if (!config.tls().verify()) {
                trust = TrustMaterial.trustAll();
                LOG.warn("pool {}: backend TLS verification is OFF (tls.verify = off): certificates and host names of its "
                        + "https members are not checked, so anyone on the path to them can read and change the traffic", config.name());
            } else if (config.tls().caBundle() != null) {
                trust = TrustMaterial.fromPemBundle(config.tls().caBundle());
            } else {
                trust = TrustMaterial.systemTrust();
            }
            memberTrust = new MemberTrust(trust);
            SSLContext context = TrustMaterial.clientContext(memberTrust);
            ssl = new UndertowXnioSsl(Xnio.getInstance(Pool.class.getClassLoader()), OptionMap.EMPTY, context);
        }
        int responseTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, config.responseTimeout().toMillis());
        // READ_TIMEOUT bounds the wait for the backend, including a backend that stops reading
        // an upload (the deadline is set as soon as the request is sent); Sluice's backend
        // connection keeps it with one timer per connection. No WRITE_TIMEOUT: Undertow's
        // HttpClientConnection (still selectable, see BackendClients) wraps the connection's
        // sink in one more WriteTimeoutStreamSinkConduit on every request it sends, so a
        // kept-alive backend connection grew by one conduit per request, without bound.
        // BackendConnectionReuseIT.
        // The head limit is not a value in the options but a holder they name: Undertow's
        // connection pool keeps the options it was built with, and a carried-over member
        // keeps its connection pool, yet a reloaded limit must reach its new connections.
        AtomicInteger responseHeadLimit = previous != null ? previous.responseHeadLimit : new AtomicInteger(maxResponseHead);
        OptionMap memberOptions = OptionMap.builder()
                .set(Options.TCP_NODELAY, true)
                .set(Options.READ_TIMEOUT, responseTimeoutMillis)
                .set(io.sluice.backend.BackendClients.MAX_HEAD_SIZE, responseHeadLimit::get)
                .getMap();
        UndertowClient client = io.sluice.backend.BackendClients.client();
        Map<String, Member> before = new HashMap<>();
        if (previous != null) {
            for (Member member : previous.members) {
                before.put(member.identity(), member);
            }
        }
        List<MemberConfig> memberConfigs = config.members();
        Member[] members = new Member[memberConfigs.size()];
        List<Runnable> onCommit = new ArrayList<>();
        SlotAllocator slots = new SlotAllocator(previous == null ? 0 : previous.nextSlot, before.values());
        for (int i = 0; i < members.length; i++) {
            MemberConfig memberConfig = memberConfigs.get(i);
            Member earlier = before.get(Member.identity(memberConfig));
            if (earlier != null && earlier.carriesOverTo(config, memberConfig)) {
                members[i] = earlier;
                onCommit.add(() -> earlier.reconfigure(memberConfig, config));
                continue;
            }
            int slot = earlier != null ? earlier.index() : slots.next();
            members[i] = new Member(config.name(), memberConfig, slot, config, client, ssl, memberOptions,
                    metrics.member(config.name(), memberConfig.name()));
            if (earlier != null) {
                members[i].inheritHealth(earlier);
            }
        }
        if (memberTrust != null) {
            memberTrust.watch(members);
        }
        Member[] bySlot = new Member[slots.highest(members) + 1];
        for (Member member : members) {
            bySlot[member.index()] = member;
        }
        SessionAffinity affinity = new SessionAffinity(config.sticky(), members, bySlot, config.name(),
                previous != null ? previous.affinity : null, sharing);
        PoolProxyClient proxyClient = new PoolProxyClient(members, config, affinity, metrics.pool(config.name()));
        HttpHandler proxy = ProxyHandler.builder()
                .setProxyClient(proxyClient)
                .setMaxRequestTime(-1) // bounded per read by response-timeout instead: long downloads stay legal
                .setRewriteHostHeader(!headers.preserveHost())
                .setReuseXForwarded(true) // untrusted X-Forwarded-* are removed before this handler runs
                // the bound Undertow counts against; the request's own policy (its route's, or
                // the pool's) is applied by the proxy client before each further attempt
                .setMaxConnectionRetries(io.sluice.config.RetryPolicy.MAX_RETRIES)
                .setIdempotentRequestPredicate(new RetryDecision(config.responseTimeout().toNanos(), metrics.pool(config.name())))
                .setNext(new ResponseCodeHandler(503))
                .build();
        HttpHandler handler = exchange -> {
            ProxiedTlsSession.install(exchange);
            proxy.handleRequest(exchange);
        };
        List<HealthCheck> checks = new ArrayList<>();
        if (config.health().enabled()) {
            for (Member member : members) {
                checks.add(new HealthCheck(member, config.health(), client, worker.getIoThread(), ssl, buffers));
            }
        }
        Pool pool = new Pool(config, members, handler, affinity, checks, proxyClient, metrics.pool(config.name()), onCommit,
                slots.nextAfter(), responseHeadLimit, maxResponseHead);
        for (Member member : members) {
            if (member != before.get(member.identity())) {
                member.owner(pool); // new members are this pool's to close, whether or not it is committed
            }
        }
        return pool;
    }

    /**
     * The pool goes live (its generation is being swapped in): members carried over take
     * their new settings and become this pool's to close, backend connections opened from
     * now on take this generation's response head limit, and its health checks start.
     * The previous generation's pool then closes only the members it kept to itself.
     */
    public void commit() {
        responseHeadLimit.set(maxResponseHead);
        onCommit.forEach(Runnable::run);
        proxyClient.weightsChanged(); // carried members' weights may have changed with their settings
        for (Member member : members) {
            member.owner(this);
        }
        checks.forEach(HealthCheck::start);
    }

    /**
     * Places in the session tables for new members: never one a current or just-removed
     * member holds, so a session learned on a member that left is not taken for a
     * newcomer's; counting up (the tables hold 16 bits) and only then filling gaps.
     */
    private static final class SlotAllocator {
        private static final int LIMIT = 65_535;
        private final java.util.BitSet taken = new java.util.BitSet();
        private int next;

        SlotAllocator(int next, java.util.Collection<Member> previous) {
            this.next = next;
            previous.forEach(member -> taken.set(member.index()));
        }

        int next() {
            int slot = next < LIMIT ? next++ : taken.nextClearBit(0);
            if (slot >= LIMIT) {
                throw new IllegalStateException("a pool cannot hold more than " + LIMIT + " members");
            }
            taken.set(slot);
            return slot;
        }

        int nextAfter() {
            return next;
        }

        int highest(Member[] members) {
            int highest = -1;
            for (Member member : members) {
                highest = Math.max(highest, member.index());
            }
            return highest;
        }
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    public List<Member> members() {
        return List.of(members);
    }

    public HttpHandler handler() {
        return proxyHandler;
    }

    /** A session another instance of the cluster learned or moved: this pool keeps it too. */
    public void learnedElsewhere(SessionSharing.Table table, long key, String member, long idleSeconds) {
        affinity.learnedElsewhere(table, key, member, idleSeconds);
    }

    /** Every live session of one of this pool's tables, for an instance that joins the cluster. */
    public void forEachSharedSession(SessionSharing.Table table, SessionSharing.SharedSession action) {
        affinity.forEachLive(table, action);
    }

    /**
     * Just before a relayed response head goes out: keeps the client's session affinity on
     * the member that served it, and counts a 5xx against the member with eject-on-5xx.
     */
    public void onRelayedResponse(HttpServerExchange exchange, RequestTrace trace, boolean secure) {
        Member served = trace.member();
        if (served == null) {
            return;
        }
        if (config.ejectOn5xx() && exchange.getStatusCode() >= 500) {
            served.markFailed("answered " + exchange.getStatusCode());
        } else {
            served.succeeded();
        }
        affinity.onResponse(exchange, trace, secure);
    }

    /** Sessions in the learn table (a scan: for metrics, tests and the admin page), or -1 without learn mode. */
    public int learnedSessions() {
        return affinity.learned() == null ? -1 : affinity.learned().size();
    }

    /** Live learned sessions of one member, or -1 without learn mode. */
    public int learnedSessions(Member member) {
        return affinity.learned() == null ? -1 : affinity.learned().size(member.index());
    }

    /** Distinct sessions of this member seen within sticky.recent.window (a scan), or -1 when the pool reads no session ids. */
    public int recentSessions(Member member) {
        return affinity.recent() == null ? -1 : affinity.recent().size(member.index());
    }

    public void stopHealthChecks() {
        checks.forEach(HealthCheck::stop);
    }

    /** Stops its health checks and closes the members it still owns (not those a newer generation carried over). */
    @Override
    public void close() {
        checks.forEach(HealthCheck::stop);
        for (Member member : members) {
            if (member.ownedBy(this)) {
                member.close();
            }
        }
    }
}
