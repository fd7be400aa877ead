package io.sluice.log;

import io.sluice.syntax.LogEscape;
import io.sluice.pool.Member;
import io.sluice.pool.RequestTrace;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One access-log line per request, written when the exchange completes: the combined
 * format followed by what a load balancer adds (listener, route, member, affinity,
 * upstream and total time, request id), e.g.
 * <pre>10.0.0.5 - - [20/Nov/2026:23:40:01 +0000] "GET /is-x HTTP/1.1" 200 512 "-" "curl/7.88" listener=https route=/is- member=node1 sticky=hit upstream_ms=3 total_ms=4 rid=9f..</pre>
 * Every field the client controls (request line, referer, user agent, request id) is
 * escaped by {@link LogEscape}, so a line is one line of ASCII whatever the client sent.
 * Lines go to the "sluice.access" logger, which logback writes asynchronously.
 */
public final class AccessLogHandler implements HttpHandler, ExchangeCompletionListener {
    public static final String LOGGER_NAME = "sluice.access";
    private static final Logger ACCESS = LoggerFactory.getLogger(LOGGER_NAME);
    private static final DateTimeFormatter CLF_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    private final String listenerName;
    private final String requestIdHeader;
    private final HttpHandler next;
    /** The formatted time of the current second; one formatting per second, not per request. */
    private volatile CachedTime cachedTime = new CachedTime(-1, "");

    private record CachedTime(long epochSecond, String text) {
    }

    public AccessLogHandler(String listenerName, String requestIdHeader, HttpHandler next) {
        this.listenerName = listenerName;
        this.requestIdHeader = requestIdHeader == null || requestIdHeader.isEmpty() ? null : requestIdHeader;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        RequestTrace trace = new RequestTrace(System.nanoTime());
        trace.requestLine(exchange.getRequestMethod().toString(), exchange.getRequestURI(), exchange.getQueryString(),
                exchange.getProtocol().toString());
        exchange.putAttachment(RequestTrace.KEY, trace);
        exchange.addExchangeCompleteListener(this);
        next.handleRequest(exchange);
    }

    @Override
    public void exchangeEvent(HttpServerExchange exchange, NextListener nextListener) {
        try {
            if (ACCESS.isInfoEnabled()) {
                ACCESS.info(format(exchange));
            }
        } finally {
            nextListener.proceed();
        }
    }

    private String format(HttpServerExchange exchange) {
        RequestTrace trace = exchange.getAttachment(RequestTrace.KEY);
        StringBuilder line = new StringBuilder(256);
        InetSocketAddress peer = exchange.getSourceAddress();
        line.append(peer == null || peer.getAddress() == null ? "-" : peer.getAddress().getHostAddress());
        line.append(" - - [").append(time()).append("] \"");
        trace.appendRequestLine(line);
        // a body cut by limits.body-idle-timeout got no answer (its connection or stream is gone):
        // the log says 408, not the 503 Undertow's proxy sets when the transfer then fails
        line.append("\" ").append(trace.bodyStalled() ? 408 : exchange.getStatusCode()).append(' ');
        long bytes = exchange.getResponseBytesSent();
        line.append(bytes > 0 ? Long.toString(bytes) : "-");
        quoted(line, exchange.getRequestHeaders().getFirst(Headers.REFERER));
        quoted(line, exchange.getRequestHeaders().getFirst(Headers.USER_AGENT));
        line.append(" listener=").append(listenerName);
        line.append(" route=").append(trace.routeName() == null ? "-" : trace.routeName());
        Member member = trace.member();
        line.append(" member=").append(member == null ? "-" : member.name());
        line.append(" sticky=").append(trace.outcome().logName());
        if (trace.stickySource() != null) {
            line.append(':').append(trace.stickySource().name().toLowerCase(java.util.Locale.ROOT));
        }
        long upstream = trace.upstreamMillis();
        line.append(" upstream_ms=").append(upstream < 0 ? "-" : Long.toString(upstream));
        line.append(" total_ms=").append((System.nanoTime() - trace.startNanos()) / 1_000_000);
        if (requestIdHeader != null) {
            String id = exchange.getRequestHeaders().getFirst(requestIdHeader);
            // the client's id when it was well formed, but a refused request is logged as sent
            LogEscape.append(line.append(" rid="), id == null ? "-" : id);
        }
        return line.toString();
    }

    private static void quoted(StringBuilder line, String value) {
        line.append(" \"");
        if (value == null) {
            line.append('-');
        } else {
            LogEscape.append(line, value);
        }
        line.append('"');
    }

    private String time() {
        long now = System.currentTimeMillis() / 1000;
        CachedTime cached = cachedTime;
        if (cached.epochSecond() != now) {
            cached = new CachedTime(now, CLF_TIME.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(now), ZoneId.systemDefault())));
            cachedTime = cached;
        }
        return cached.text();
    }
}
