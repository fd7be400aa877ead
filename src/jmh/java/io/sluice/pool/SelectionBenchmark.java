package io.sluice.pool;

import io.sluice.bench.Fixtures;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.SluiceMetrics;
import io.undertow.server.HttpServerExchange;
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
 * Member selection: {@link PoolProxyClient#choose}, the method getConnection calls before
 * handing the request to the member's Undertow connection pool (sticky lookup, then
 * smooth weighted round robin or least busy), and the {@link WeightedSchedule} beneath it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SelectionBenchmark {
    SluiceMetrics metrics;
    PoolParts benchPool;
    PoolParts gatewayPool;
    WeightedSchedule weighted;
    HttpServerExchange newSession;
    HttpServerExchange stuck;
    /** A first attempt: choose() only reads attempts and the attempted set, and records the sticky outcome. */
    RequestTrace trace;

    @Setup
    public void setUp() {
        metrics = new SluiceMetrics();
        SluiceConfig bench = Fixtures.load(Fixtures.BENCH);
        benchPool = new PoolParts(bench.pools().get("wso2-identity"), metrics);
        SluiceConfig learn = Fixtures.load(Fixtures.LEARN_INSERT);
        gatewayPool = new PoolParts(learn.pools().get("apim-gateway"), metrics);
        weighted = new WeightedSchedule(new int[] {5, 1, 1});
        newSession = Fixtures.browserGet("/is-/authenticationendpoint/login.do", "", "_ga=GA1.1.1234567890.1732000000");
        stuck = Fixtures.browserGet("/is-/commonauth", "", Fixtures.COOKIE);
        trace = new RequestTrace(System.nanoTime());
        StickyBenchmark.check(chooseRoundRobin() != null && chooseStickyHit() == benchPool.members[1]
                && trace.outcome() == StickyOutcome.HIT && chooseLeastBusy() != null, "selection");
    }

    @TearDown
    public void tearDown() {
        benchPool.close();
        gatewayPool.close();
        metrics.close();
    }

    /** One draw from a 5,1,1 smooth weighted sequence: an atomic increment and an array read. */
    @Benchmark
    public int weightedScheduleDraw() {
        return weighted.at(weighted.next());
    }

    /** bench/run.sh's pool, a request without a session: route affinity finds nothing, round robin picks. */
    @Benchmark
    public Member chooseRoundRobin() {
        return benchPool.client.choose(newSession, trace);
    }

    /** bench/run.sh's pool, JSESSIONID=<id>.node2: a sticky hit on node2. */
    @Benchmark
    public Member chooseStickyHit() {
        return benchPool.client.choose(stuck, trace);
    }

    /** Example 004's gateway: no affinity, least busy over two members. */
    @Benchmark
    public Member chooseLeastBusy() {
        return gatewayPool.client.choose(newSession, trace);
    }
}
