package io.sluice.pool;

import io.sluice.bench.Fixtures;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
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
 * Session affinity on the request path (finding the member a session belongs to) and on
 * the response path (learning the session a member issued): {@link CookieHeader},
 * {@link StickyRoute}, {@link SessionAffinity} and its {@link LearnedSessions} table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StickyBenchmark {
    static final String SESSION_ID = "8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7";

    String cookieHeader;
    String sessionCookieName;
    SluiceMetrics metrics;
    /** bench/run.sh's pool: route mode on JSESSIONID's .node1/.node2 suffix. */
    PoolParts routePool;
    StickyRoute stickyRoute;
    /** Example 004's portals: learn, then insert (SLUICEID). */
    PoolParts learnPool;
    HttpServerExchange routeCookie;
    HttpServerExchange routePathParameter;
    HttpServerExchange learned;
    HttpServerExchange inserted;
    RequestTrace trace;

    @Setup
    public void setUp() {
        cookieHeader = Fixtures.COOKIE;
        sessionCookieName = "JSESSIONID";
        metrics = new SluiceMetrics();
        SluiceConfig bench = Fixtures.load(Fixtures.BENCH);
        routePool = new PoolParts(bench.pools().get("wso2-identity"), metrics);
        stickyRoute = new StickyRoute(routePool.config.sticky());
        SluiceConfig learn = Fixtures.load(Fixtures.LEARN_INSERT);
        learnPool = new PoolParts(learn.pools().get("apim-portals"), metrics);

        routeCookie = Fixtures.browserGet("/is-/commonauth", "", Fixtures.COOKIE);
        routePathParameter = Fixtures.browserGet("/is-/authenticationendpoint/login.do;jsessionid=" + SESSION_ID + ".node1", "", null);

        // Learn mode: member 1 issued the browser's JSESSIONID, and Sluice saw it happen.
        String sluiceId = SessionAffinity.opaqueId("apim-portals", learnPool.members[1].name(), "");
        learned = Fixtures.browserGet("/publisher/apis", "", Fixtures.COOKIE + "; SLUICEID=" + sluiceId);
        RequestTrace served = new RequestTrace(System.nanoTime());
        served.attempt(learnPool.members[1]);
        learned.getResponseHeaders().add(Headers.SET_COOKIE, "JSESSIONID=" + SESSION_ID + ".node2; Path=/publisher; Secure; HttpOnly");
        learned.putAttachment(RequestTrace.KEY, served);
        learnPool.affinity.onResponse(learned, served, true);
        // Insert mode: a session Sluice has not learned (say, from before a restart), but its cookie.
        inserted = Fixtures.browserGet("/publisher/apis", "", "JSESSIONID=0000AAAA1111BBBB2222CCCC3333DDDD; SLUICEID=" + sluiceId);

        trace = new RequestTrace(System.nanoTime());
        check(stickyRouteCookie() == 1, "route from cookie");
        check(stickyRoutePathParameter() == 0, "route from ;jsessionid");
        check(affinityRoute() == 1, "route affinity");
        check(affinityLearned() == 1, "learned affinity");
        check(affinityInserted() == 1, "inserted affinity");
        int setCookies = learned.getResponseHeaders().count(Headers.SET_COOKIE);
        affinityOnResponseLearn();
        check(learned.getResponseHeaders().count(Headers.SET_COOKIE) == setCookies, "no Set-Cookie added when the member did not change");
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark fixture broken: " + what);
        }
    }

    @TearDown
    public void tearDown() {
        routePool.close();
        learnPool.close();
        metrics.close();
    }

    /** JSESSIONID's value located in a five-cookie browser header (offsets, no substring). */
    @Benchmark
    public long cookieHeaderFind() {
        return CookieHeader.find(cookieHeader, sessionCookieName);
    }

    /** jvmRoute "node2" of JSESSIONID=<id>.node2, compared in place against the members' routes. */
    @Benchmark
    public int stickyRouteCookie() {
        return stickyRoute.find(routeCookie, routePool.members);
    }

    /** ;jsessionid=<id>.node1 in the path, no cookie. */
    @Benchmark
    public int stickyRoutePathParameter() {
        return stickyRoute.find(routePathParameter, routePool.members);
    }

    /** What PoolProxyClient.choose asks first: SessionAffinity.find in route mode. */
    @Benchmark
    public int affinityRoute() {
        return routePool.affinity.find(routeCookie, trace);
    }

    /** Learn mode, a learned session: one hash and an 8-way bucket probe. */
    @Benchmark
    public int affinityLearned() {
        return learnPool.affinity.find(learned, trace);
    }

    /** Learn mode misses, insert mode finds SLUICEID. */
    @Benchmark
    public int affinityInserted() {
        return learnPool.affinity.find(inserted, trace);
    }

    /** Response side, learn + insert: the member's Set-Cookie JSESSIONID is learned; SLUICEID already names it. */
    @Benchmark
    public void affinityOnResponseLearn() {
        learnPool.affinity.onResponse(learned, learned.getAttachment(RequestTrace.KEY), true);
    }
}
