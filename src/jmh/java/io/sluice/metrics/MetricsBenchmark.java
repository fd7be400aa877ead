package io.sluice.metrics;

import com.codahale.metrics.Counter;
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
 * The per-request metric updates: {@link MemberMetrics#completed} (Member.exchangeEvent
 * calls it once per proxied request) and the plain counters a request may bump (the
 * route's request counter in RouteHandler, a pool's redirect and retry counters).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsBenchmark {
    SluiceMetrics metrics;
    MemberMetrics member;
    PoolMetrics pool;
    Counter route;
    long latencyNanos;
    int status;

    @Setup
    public void setUp() {
        metrics = new SluiceMetrics();
        member = metrics.member("wso2-identity", "127.0.0.1:18081");
        pool = metrics.pool("wso2-identity");
        route = metrics.route("/is-/");
        latencyNanos = 412_345L;
        status = 200;
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    /** One finished request: status-class counter, the requests timer (count, rates, latency) and sum. */
    @Benchmark
    public void memberCompleted() {
        member.completed(status, latencyNanos, false, false);
    }

    /** RouteHandler's route.requests.inc() and a pool counter (a redirect rewritten): LongAdder increments. */
    @Benchmark
    public void routeAndPoolCounters() {
        route.inc();
        pool.redirectRewritten();
    }
}
