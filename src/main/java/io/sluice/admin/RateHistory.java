package io.sluice.admin;

import io.sluice.config.RouteConfig;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Requests per second of every member and every route, sampled every few seconds over the
 * last minutes, for the API's history and the page's charts: an operator sees a drain
 * happen instead of reading numbers.
 */
final class RateHistory implements AutoCloseable {
    static final int POINTS = 60;
    static final int SECONDS_PER_POINT = 5;

    private final Supplier<? extends InForce> generation;
    private final SluiceMetrics metrics;
    private final Map<String, double[]> series = new ConcurrentHashMap<>();
    private final Map<String, Long> lastCount = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sluice-admin-rates");
        thread.setDaemon(true);
        return thread;
    });

    RateHistory(Supplier<? extends InForce> generation, SluiceMetrics metrics) {
        this.generation = generation;
        this.metrics = metrics;
        sampler.scheduleAtFixedRate(this::sample, SECONDS_PER_POINT, SECONDS_PER_POINT, TimeUnit.SECONDS);
    }

    private static String memberKey(String pool, String member) {
        return "member\u0000" + pool + "\u0000" + member;
    }

    private static String routeKey(String route) {
        return "route\u0000" + route;
    }

    void sample() {
        for (Pool pool : generation.get().pools().values()) {
            for (Member member : pool.members()) {
                record(memberKey(pool.name(), member.name()), member.metrics().requestCount());
            }
        }
        for (RouteConfig route : generation.get().config().routes()) {
            record(routeKey(route.name()), metrics.routeRequests(route.name()));
        }
    }

    private void record(String key, long count) {
        Long before = lastCount.put(key, count);
        double rate = before == null ? 0 : Math.max(0, count - before) / (double) SECONDS_PER_POINT;
        series.compute(key, (k, points) -> {
            double[] shifted = new double[POINTS];
            if (points != null) {
                System.arraycopy(points, 1, shifted, 0, POINTS - 1);
            }
            shifted[POINTS - 1] = rate;
            return shifted;
        });
    }

    /** The member's requests per second, oldest first, one point per SECONDS_PER_POINT. */
    double[] member(String pool, String member) {
        return points(memberKey(pool, member));
    }

    /** The route's requests per second, oldest first. */
    double[] route(String route) {
        return points(routeKey(route));
    }

    private double[] points(String key) {
        double[] points = series.get(key);
        return points == null ? new double[POINTS] : points.clone();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
