package io.sluice.pool;

import io.sluice.config.RetryPolicy;
import io.sluice.config.StickyConfig;
import io.undertow.client.ClientConnection;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.util.AttachmentKey;

/**
 * What happened to one proxied request: its route, the member(s) tried, affinity and
 * upstream timing. One per exchange, read by the access log. Confined to the exchange's
 * IO thread, like the exchange itself.
 */
public final class RequestTrace {
    public static final AttachmentKey<RequestTrace> KEY = AttachmentKey.create(RequestTrace.class);

    private final long startNanos;
    private String routeName;
    private Member member;
    private StickyOutcome outcome = StickyOutcome.NONE;
    private Member sessionMember;
    private StickyConfig.AffinityMode stickySource;
    private long attemptedMask;
    private int attempts;
    private long upstreamStartNanos;
    private long upstreamHeadersNanos;
    private ClientConnection backend;
    private boolean bodyTooLarge;
    private boolean bodyStalled;
    private String publicScheme;
    private boolean queueFailed;
    private String method;
    private String originalUri;
    private String originalQuery;
    private String protocol;
    private RetryPolicy retry;
    private boolean bodyless;
    private RetryPolicy.Cause lastFailure;
    private boolean statusRetry;

    public RequestTrace(long startNanos) {
        this.startNanos = startNanos;
    }

    public static RequestTrace of(HttpServerExchange exchange) {
        RequestTrace trace = exchange.getAttachment(KEY);
        if (trace == null) {
            trace = new RequestTrace(System.nanoTime());
            exchange.putAttachment(KEY, trace);
        }
        return trace;
    }

    /** Keeps the request line as the client sent it: routing may rewrite the URI later. */
    public void requestLine(String method, String uri, String query, String protocol) {
        this.method = method;
        this.originalUri = uri;
        this.originalQuery = query;
        this.protocol = protocol;
    }

    public void appendRequestLine(StringBuilder out) {
        // every part is the client's: escaped so that it cannot end the line or the quoted field
        io.sluice.syntax.LogEscape.append(out, method).append(' ');
        io.sluice.syntax.LogEscape.append(out, originalUri);
        if (originalQuery != null && !originalQuery.isEmpty()) {
            io.sluice.syntax.LogEscape.append(out.append('?'), originalQuery);
        }
        io.sluice.syntax.LogEscape.append(out.append(' '), protocol);
    }

    /**
     * What the route allows to be retried, and whether the request has a body: read when
     * the request is routed, before any of a body could have been consumed.
     */
    public void retry(RetryPolicy policy, boolean hasNoBody) {
        this.retry = policy;
        this.bodyless = hasNoBody;
    }

    /** The route's retry policy, or null when the request was not routed (the pool's applies). */
    RetryPolicy retryPolicy() {
        return retry;
    }

    /** The request had no body when it was routed, so sending it again sends all of it. */
    boolean bodyless() {
        return bodyless;
    }

    void failed(RetryPolicy.Cause cause) {
        lastFailure = cause;
    }

    /** The member's status is dropped for a retry: the failure Undertow reports next is that, not an empty response. */
    void statusRetry(RetryPolicy.Cause cause) {
        lastFailure = cause;
        statusRetry = true;
    }

    boolean takeStatusRetry() {
        boolean pending = statusRetry;
        statusRetry = false;
        return pending;
    }

    /** Why the last attempt failed, or null when none did. */
    public RetryPolicy.Cause lastFailure() {
        return lastFailure;
    }

    /** The scheme the client used as far as Sluice can trust it: the connection's, or a trusted proxy's. */
    public String publicScheme() {
        return publicScheme;
    }

    public void publicScheme(String scheme) {
        this.publicScheme = scheme;
    }

    public long startNanos() {
        return startNanos;
    }

    public String routeName() {
        return routeName;
    }

    public void routeName(String name) {
        this.routeName = name;
    }

    public Member member() {
        return member;
    }

    /** The member the request's session belongs to, whether or not it serves it; null without one. */
    Member sessionMember() {
        return sessionMember;
    }

    void sessionMember(Member member) {
        sessionMember = member;
    }

    public StickyOutcome outcome() {
        return outcome;
    }

    void outcome(StickyOutcome outcome) {
        this.outcome = outcome;
    }

    /** Which affinity mode named the request's member (route, learn, insert), or null. */
    public StickyConfig.AffinityMode stickySource() {
        return stickySource;
    }

    void stickySource(StickyConfig.AffinityMode mode) {
        this.stickySource = mode;
    }

    int attempts() {
        return attempts;
    }

    boolean attempted(int memberIndex) {
        return memberIndex < 64 && (attemptedMask & (1L << memberIndex)) != 0;
    }

    void attempt(Member chosen) {
        attempts++;
        member = chosen;
        if (chosen.index() < 64) {
            attemptedMask |= 1L << chosen.index();
        }
    }

    void connected(long nanos, ClientConnection connection) {
        upstreamStartNanos = nanos;
        backend = connection;
    }

    /**
     * The request body crossed limits.max-body-size: close the backend connection before
     * anything else, so the backend sees a broken upload, never a truncated complete one.
     */
    public void abortBackendForOversizeBody() {
        bodyTooLarge = true;
        abortBackend();
    }

    /**
     * The client stopped sending its request body (limits.body-idle-timeout): reset the
     * backend connection the same way, so the backend sees a broken upload.
     */
    public void abortBackendForStalledBody() {
        bodyStalled = true;
        abortBackend();
    }

    /**
     * Added to every proxied exchange once its backend connection is obtained, so it runs before
     * the connection pool's own completion listener: when the exchange ends because the client's
     * connection was closed under it (limits.write-timeout closes a connection whose client stopped
     * reading, without the proxy's transfer noticing), the backend connection may still be carrying
     * the rest of the response. Returned to the pool, it would queue the next request behind that
     * data; it is reset instead.
     */
    public static final ExchangeCompletionListener ABORT_BACKEND_IF_CLIENT_GONE = (exchange, next) -> {
        try {
            if (!exchange.getConnection().isOpen()) {
                RequestTrace trace = exchange.getAttachment(KEY);
                if (trace != null && trace.backend != null && trace.backend.isOpen()) {
                    trace.abortBackend();
                }
            }
        } finally {
            next.proceed();
        }
    };

    private void abortBackend() {
        if (backend == null) {
            return;
        }
        try {
            // A clean close would shut the request's chunked encoder and send its final chunk,
            // making the truncated body look complete. performUpgrade() detaches that encoder
            // and hands over the raw connection, which is then reset (SO_LINGER 0).
            StreamConnection raw = backend.performUpgrade();
            raw.setOption(Options.CLOSE_ABORT, true);
            IoUtils.safeClose(raw);
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(backend);
        }
    }

    ClientConnection backend() {
        return backend;
    }

    /** The last attempt waited in a busy member's queue and gave up: load, not a broken member. */
    void queueFailed() {
        queueFailed = true;
    }

    boolean lastAttemptQueueFailed() {
        return queueFailed;
    }

    public boolean bodyTooLarge() {
        return bodyTooLarge;
    }

    public boolean bodyStalled() {
        return bodyStalled;
    }

    /** Marks the moment the backend's response head arrived. */
    public void responseStarted(long nanos) {
        if (upstreamStartNanos != 0 && upstreamHeadersNanos == 0) {
            upstreamHeadersNanos = nanos;
        }
    }

    /**
     * Whether the member has been silent for (nearly) the response timeout since the
     * connection was handed over: the backend read timeout fires then, not sooner.
     */
    boolean silentFor(long now, long responseTimeoutNanos) {
        return upstreamStartNanos != 0 && now - upstreamStartNanos >= responseTimeoutNanos - responseTimeoutNanos / 20;
    }

    /** Nanoseconds since the last backend connection was obtained, or -1 when none was. */
    public long nanosSinceConnected(long now) {
        return upstreamStartNanos == 0 ? -1 : now - upstreamStartNanos;
    }

    /** Milliseconds from the backend connection being ready to its response head, or -1. */
    public long upstreamMillis() {
        return upstreamHeadersNanos == 0 ? -1 : (upstreamHeadersNanos - upstreamStartNanos) / 1_000_000;
    }
}
