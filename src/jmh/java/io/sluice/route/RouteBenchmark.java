package io.sluice.route;

import com.codahale.metrics.Counter;
import io.sluice.bench.Fixtures;
import io.sluice.config.RouteConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.path.PrefixRewrite;
import io.sluice.path.SafePath;
import io.undertow.server.HttpServerExchange;
import java.util.ArrayList;
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
 * The routing steps of {@link RouteHandler#handleRequest}, one production method each:
 * path vetting ({@link SafePath}), route lookup ({@link RouteTable#match}) and the prefix
 * rewrite ({@link PrefixRewrite#apply}). The route tables are built from real configs by
 * the same constructors RouteHandler.build uses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteBenchmark {
    /** A WSO2 IS login-flow path: accepted as is (SafePath returns the same instance). */
    String plainPath;
    /** Lower-case escapes: accepted, but normalised into a new string. */
    String escapedPath;
    /** The session in a path parameter: routing matches on the path without it. */
    String pathWithParameter;
    String seed000Path;

    RouteTable benchTable;
    RouteTable seed000Table;
    RouteTable hostTable;
    HttpServerExchange exchange;
    PrefixRewrite benchRewrite;

    @Setup
    public void setUp() {
        plainPath = "/is-/authenticationendpoint/login.do";
        escapedPath = "/is-/authenticationendpoint/%e2%9c%93/login.do";
        pathWithParameter = "/is-/authenticationendpoint/login.do;jsessionid=8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7.node2";
        seed000Path = "/is-commonauth";
        benchTable = table(Fixtures.load(Fixtures.BENCH));
        seed000Table = table(Fixtures.load(Fixtures.SEED000));
        hostTable = table(Fixtures.load(Fixtures.LEARN_INSERT));
        exchange = Fixtures.browserGet(plainPath, "client_id=abc", Fixtures.COOKIE);
        benchRewrite = benchTable.match(exchange, plainPath).rewrite;
        check(benchTable.match(exchange, plainPath).prefix.equals("/is-/"), "bench table");
        check(seed000Table.match(exchange, seed000Path).prefix.equals("/is-commonauth"), "seed 000 table");
        check(hostTable.match(exchange, plainPath).host == null, "host table");
        check(SafePath.normalize(plainPath).path() == plainPath, "plain path unchanged");
        check(!SafePath.normalize(escapedPath).path().equals(escapedPath), "escaped path normalised");
    }

    private static RouteTable table(SluiceConfig config) {
        List<Route> routes = new ArrayList<>();
        for (RouteConfig route : config.routes()) {
            routes.add(new Route(route, null, null, new Counter(), null, new Counter())); // pools are not read by matching
        }
        return new RouteTable(routes);
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark fixture broken: " + what);
        }
    }

    /** The common case: nothing to change; RouteHandler reads only result.path(). */
    @Benchmark
    public String safePathUnchanged() {
        return SafePath.normalize(plainPath).path();
    }

    @Benchmark
    public String safePathNormalised() {
        return SafePath.normalize(escapedPath).path();
    }

    /** ;jsessionid=... stripped for matching (Tomcat's view of the path). */
    @Benchmark
    public String routingPathWithParameter() {
        return SafePath.routingPath(pathWithParameter);
    }

    /** bench/run.sh's table: /is-/ and /, no host routes. */
    @Benchmark
    public Route matchBenchTable() {
        return benchTable.match(exchange, plainPath);
    }

    /** Seed 000: eight prefixes over three pools; the path matches the fifth in lookup order. */
    @Benchmark
    public Route matchSeed000Table() {
        return seed000Table.match(exchange, seed000Path);
    }

    /** A table with a host-bound route: the Host header is read (exchange.getHostName()). */
    @Benchmark
    public Route matchWithHostRoutes() {
        return hostTable.match(exchange, plainPath);
    }

    /** /is-/authenticationendpoint/login.do -> /authenticationendpoint/login.do. */
    @Benchmark
    public String prefixRewrite() {
        return benchRewrite.apply(plainPath);
    }
}
