package io.sluice.route;

import io.sluice.bench.Fixtures;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.pool.Pool;
import io.sluice.pool.PoolParts;
import io.sluice.pool.RequestTrace;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The response side: {@link ReverseRewriter} (ProxyPassReverse for Location and
 * Set-Cookie, derived from the routes by {@link RouteHandler#reverseRewriter}) method by
 * method, and the whole {@link ResponseRewriting#beforeCommit} listener as it runs on every
 * relayed response (hop-by-hop stripping, URL headers, cookies, the pool's affinity update
 * and redirect counters) on a real {@link Pool} that opens no connection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ResponseRewriteBenchmark {
    /** What WSO2 IS (hostname left at localhost) answers to /samlsso: a redirect to its login page. */
    static final String INTERNAL_LOCATION = "http://localhost:9763/authenticationendpoint/login.do?commonAuthCallerPath=%2Fsamlsso"
            + "&forceAuth=false&passiveAuth=false&tenantDomain=carbon.super&sessionDataKey=6a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
            + "&relyingParty=apim&type=samlsso&sp=apim&isSaaSApp=false&authenticators=BasicAuthenticator%3ALOCAL";
    static final String SESSION_COOKIE = "JSESSIONID=8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7.is2; Path=/; Secure; HttpOnly";
    static final String AUTH_COOKIE = "commonAuthId=0b4f6c1e-2d3a-4e5f-9a8b-7c6d5e4f3a2b; Path=/; Secure; HttpOnly; SameSite=None";

    String internalLocation;
    String relativeLocation;
    String foreignLocation;
    String sessionCookie;
    String benchSessionCookie;

    SluiceMetrics metrics;
    Pool seed000Pool;
    Pool benchPool;
    ReverseRewriter seed000Rewriter;
    ReverseRewriter benchRewriter;
    ResponseRewriting seed000Rewriting;
    ResponseRewriting benchRewriting;
    HttpServerExchange redirect;
    HttpServerExchange ok;

    @Setup
    public void setUp() throws Exception {
        internalLocation = INTERNAL_LOCATION;
        relativeLocation = "/commonauth?sessionDataKey=6a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
        foreignLocation = "https://accounts.google.com/o/oauth2/v2/auth?client_id=123.apps.googleusercontent.com&scope=openid";
        sessionCookie = SESSION_COOKIE;
        benchSessionCookie = "JSESSIONID=8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7.node2; Path=/; HttpOnly";
        metrics = new SluiceMetrics();

        SluiceConfig seed000 = Fixtures.load(Fixtures.SEED000);
        seed000Pool = Pool.build(seed000.pools().get("is"), seed000.headers(), 64 * 1024, null, null, null, metrics, io.sluice.pool.SessionSharing.LOCAL);
        seed000Rewriter = RouteHandler.reverseRewriter(seed000Pool.config(), seed000.routes(), null);
        seed000Rewriting = new ResponseRewriting(seed000Rewriter, new String[0], new ReverseRewriter[0], seed000Pool);

        SluiceConfig bench = Fixtures.load(Fixtures.BENCH);
        benchPool = Pool.build(bench.pools().get("wso2-identity"), bench.headers(), 64 * 1024, null, null, null, metrics, io.sluice.pool.SessionSharing.LOCAL);
        benchRewriter = RouteHandler.reverseRewriter(benchPool.config(), bench.routes(), null);
        benchRewriting = new ResponseRewriting(benchRewriter, new String[0], new ReverseRewriter[0], benchPool);

        // A relayed 302 from IS member 2 to a browser that came over https.
        redirect = Fixtures.browserGet("/samlsso", "spEntityID=apim", Fixtures.COOKIE);
        RequestTrace trace = PoolParts.servedBy(seed000Pool, 1);
        trace.publicScheme("https");
        redirect.putAttachment(RequestTrace.KEY, trace);
        redirect.setStatusCode(302);
        HeaderMap headers = redirect.getResponseHeaders();
        headers.put(Headers.LOCATION, INTERNAL_LOCATION);
        headers.add(Headers.SET_COOKIE, SESSION_COOKIE);
        headers.add(Headers.SET_COOKIE, AUTH_COOKIE);
        headers.put(Headers.CONTENT_LENGTH, 0);
        headers.put(Headers.DATE, "Thu, 21 Nov 2026 10:00:00 GMT");
        headers.put(new HttpString("X-Frame-Options"), "DENY");
        headers.put(new HttpString("X-Content-Type-Options"), "nosniff");

        // A relayed 200 from bench/run.sh's backend: nothing to rewrite.
        ok = Fixtures.browserGet("/1k", "", "JSESSIONID=8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7.node2");
        RequestTrace okTrace = PoolParts.servedBy(benchPool, 1);
        okTrace.publicScheme("http");
        ok.putAttachment(RequestTrace.KEY, okTrace);
        ok.setStatusCode(200);
        ok.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        ok.getResponseHeaders().put(Headers.CONTENT_LENGTH, 1024);
        ok.getResponseHeaders().put(Headers.DATE, "Thu, 21 Nov 2026 10:00:00 GMT");

        RouteBenchmark.check(locationInternalAbsolute().startsWith("https://sso.example.com/is-authenticationendpoint/login.do?"),
                "internal Location rewritten");
        RouteBenchmark.check(locationRelative().startsWith("/is-commonauth?"), "relative Location rewritten");
        RouteBenchmark.check(locationForeign() == null, "foreign Location kept");
        RouteBenchmark.check(setCookieUnchanged() == null, "Path=/ kept on seed 000");
        RouteBenchmark.check(setCookieMapped().contains("Path=/is-/;"), "Path=/ mapped on the bench config");
        RouteBenchmark.check(beforeCommitRedirect().startsWith("https://sso.example.com/is-authenticationendpoint/"), "302 rewritten");
        RouteBenchmark.check(beforeCommitOk() == 200, "200 untouched");
    }

    @TearDown
    public void tearDown() {
        seed000Pool.close();
        benchPool.close();
        metrics.close();
    }

    /** http://localhost:9763/authenticationendpoint/... -> https://sso.example.com/is-authenticationendpoint/... */
    @Benchmark
    public String locationInternalAbsolute() {
        return seed000Rewriter.rewriteLocation(internalLocation, "https", Fixtures.HOST);
    }

    /** /commonauth?... -> /is-commonauth?... */
    @Benchmark
    public String locationRelative() {
        return seed000Rewriter.rewriteLocation(relativeLocation, "https", Fixtures.HOST);
    }

    /** Another site's URL: left alone (null). */
    @Benchmark
    public String locationForeign() {
        return seed000Rewriter.rewriteLocation(foreignLocation, "https", Fixtures.HOST);
    }

    /** Seed 000: Path=/ is under no backend prefix, so the cookie is kept (null). */
    @Benchmark
    public String setCookieUnchanged() {
        return seed000Rewriter.rewriteSetCookie(sessionCookie);
    }

    /** bench/run.sh's /is-/ -> / route: Path=/ becomes Path=/is-/. */
    @Benchmark
    public String setCookieMapped() {
        return benchRewriter.rewriteSetCookie(benchSessionCookie);
    }

    /**
     * The whole commit listener on a WSO2 302: Location rewritten (and counted), two
     * Set-Cookies looked at, hop-by-hop names removed, the member's success and the
     * session cookie seen by route affinity. Each op first puts the backend's Location
     * back (a put over an existing header: no allocation).
     */
    @Benchmark
    public String beforeCommitRedirect() {
        redirect.getResponseHeaders().put(Headers.LOCATION, internalLocation);
        seed000Rewriting.beforeCommit(redirect);
        return redirect.getResponseHeaders().getFirst(Headers.LOCATION);
    }

    /** The whole commit listener on bench/run.sh's 200 (no Location, no Set-Cookie): the fixed cost per response. */
    @Benchmark
    public int beforeCommitOk() {
        benchRewriting.beforeCommit(ok);
        return ok.getStatusCode();
    }
}
