package io.sluice.http;

import io.sluice.syntax.LineSafety;
import io.sluice.syntax.ServerNames;
import io.sluice.bench.Fixtures;
import io.sluice.clientcert.ClientCertificateHeader;
import io.sluice.pool.RequestTrace;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Request header handling: {@link RequestHeadersHandler} as the first Sluice handler of
 * every request (with a no-op next handler), and the pieces beneath it,
 * {@link HopByHop#strip} and {@link LineSafety#isSafe}.
 *
 * <p>One exchange is reused, so each op puts back what the previous op changed, in the
 * way a new request would arrive: the request id and the RequestTrace are removed after
 * the handler (so each op generates an id and allocates the trace, as a request does when
 * the access log is off), and the X-Forwarded-* the handler set are removed by the handler
 * itself (they come from an untrusted peer).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeadersBenchmark {
    static final HttpString REQUEST_ID = new HttpString("X-Request-ID");
    static final HttpHandler NEXT = exchange -> { };

    RequestHeadersHandler withRequestId;
    RequestHeadersHandler withoutRequestId;
    HostGuard hostGuard;
    HttpServerExchange http1;
    HttpServerExchange http2;
    HttpServerExchange keepAlive;
    String keepAliveValue;

    @Setup
    public void setUp() throws Exception {
        withRequestId = new RequestHeadersHandler(List.of(), "X-Request-ID", ClientCertificateHeader.namesToStrip(List.of()), new Refusals("bench"), NEXT); // the default (reference.conf)
        withoutRequestId = new RequestHeadersHandler(List.of(), "", ClientCertificateHeader.namesToStrip(List.of()), new Refusals("bench"), NEXT);          // bench/run.sh's config
        http1 = Fixtures.browserGet("/is-/authenticationendpoint/login.do", "client_id=abc", Fixtures.COOKIE);
        http2 = Fixtures.browserGet("/is-/authenticationendpoint/login.do", "client_id=abc", Fixtures.COOKIE);
        http2.setProtocol(Protocols.HTTP_2_0);
        lowerCaseNames(http2.getRequestHeaders()); // as an HTTP/2 client sends them (Host stays Undertow's own)
        hostGuard = new HostGuard(new ServerNames(List.of("sso.example.com", "*.example.org")), new Refusals("bench"), NEXT);
        keepAlive = Fixtures.browserGet("/is-/authenticationendpoint/login.do", "client_id=abc", Fixtures.COOKIE);
        keepAliveValue = "keep-alive";
        check(requestHeadersHttp1() != null, "request id set");
        check("http".equals(http1.getRequestHeaders().getFirst(Headers.X_FORWARDED_PROTO)), "X-Forwarded-Proto set");
        check(requestHeadersHttp2() != null, "request id set over HTTP/2");
        check(LineSafety.isSafe(http1), "browser request is line-safe");
        check(LineSafety.http2Refusal(http2) == null, "browser request is a well-formed HTTP/2 request");
        hopByHopKeepAlive();
        check(!keepAlive.getRequestHeaders().contains(Headers.CONNECTION), "Connection stripped");
    }

    private static void lowerCaseNames(HeaderMap headers) {
        HeaderMap copy = new HeaderMap();
        for (io.undertow.util.HeaderValues values : headers) {
            HttpString name = values.getHeaderName();
            copy.putAll(name.equals(Headers.HOST) ? Headers.HOST : new HttpString(name.toString().toLowerCase(java.util.Locale.ROOT)), values);
        }
        headers.clear();
        for (io.undertow.util.HeaderValues values : copy) {
            headers.putAll(values.getHeaderName(), values);
        }
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark fixture broken: " + what);
        }
    }

    private static String handle(RequestHeadersHandler handler, HttpServerExchange exchange) throws Exception {
        handler.handleRequest(exchange);
        HeaderMap headers = exchange.getRequestHeaders();
        String id = headers.getFirst(REQUEST_ID);
        headers.remove(REQUEST_ID);
        exchange.removeAttachment(RequestTrace.KEY);
        return id;
    }

    /** HTTP/1.1 browser GET, untrusted peer, X-Request-ID generated (the default config). */
    @Benchmark
    public String requestHeadersHttp1() throws Exception {
        return handle(withRequestId, http1);
    }

    /** As above with request-id = "" (bench/run.sh's config, like the peers). */
    @Benchmark
    public String requestHeadersHttp1NoRequestId() throws Exception {
        handle(withoutRequestId, http1);
        return http1.getRequestHeaders().getFirst(Headers.X_FORWARDED_PORT);
    }

    /** HTTP/2 adds the RFC 9113 field rules: every name and value, the query and the method. */
    @Benchmark
    public String requestHeadersHttp2() throws Exception {
        String id = handle(withRequestId, http2);
        // a new HTTP/2 request arrives without them (and the field rules, which run before
        // the handler removes a client's X-Forwarded-*, would refuse these upper-case names)
        HeaderMap headers = http2.getRequestHeaders();
        headers.remove(Headers.X_FORWARDED_PROTO);
        headers.remove(Headers.X_FORWARDED_PORT);
        return id;
    }

    /** The RFC 9113 §8.2 field rules alone (names, values, connection-specific fields), on the same headers over HTTP/2. */
    @Benchmark
    public io.sluice.syntax.Refusal http2FieldRules() {
        return LineSafety.http2Refusal(http2);
    }

    /** Host syntax and a server-names match (exact name first). */
    @Benchmark
    public HttpServerExchange hostGuard() throws Exception {
        hostGuard.handleRequest(http1);
        return http1;
    }

    /** The scan alone, on the browser's eleven headers. */
    @Benchmark
    public boolean lineSafety() {
        return LineSafety.isSafe(http1);
    }

    /** A request without Connection (HTTP/2, most HTTP/1.1 clients): the fixed-name lookups only. */
    @Benchmark
    public HeaderMap hopByHopNoConnection() {
        HeaderMap headers = http1.getRequestHeaders();
        HopByHop.strip(headers, HopByHop.isUpgrade(headers));
        return headers;
    }

    /**
     * A browser's HTTP/1.1 "Connection: keep-alive", put back each op (that put allocates
     * the header's HeaderValues; see hopByHopKeepAliveBaseline for the put alone).
     */
    @Benchmark
    public HeaderMap hopByHopKeepAlive() {
        HeaderMap headers = keepAlive.getRequestHeaders();
        headers.put(Headers.CONNECTION, keepAliveValue);
        HopByHop.strip(headers, HopByHop.isUpgrade(headers));
        return headers;
    }

    /** What hopByHopKeepAlive spends putting the header back, with Undertow's plain remove in place of strip. */
    @Benchmark
    public HeaderMap hopByHopKeepAliveBaseline() {
        HeaderMap headers = keepAlive.getRequestHeaders();
        headers.put(Headers.CONNECTION, keepAliveValue);
        headers.remove(Headers.CONNECTION);
        return headers;
    }
}
