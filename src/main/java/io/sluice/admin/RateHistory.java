package io.sluice.admin;

import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import io.sluice.runtime.Generation;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Requests per second of every member, sampled every few seconds over the last minutes,
 * for the page's chart: an operator sees a drain happen instead of reading numbers.
 */
final class RateHistory implements AutoCloseable {
    static final int POINTS = 60;
    static final int SECONDS_PER_POINT = 5;

    private final Supplier<Generation> generation;
    private final Map<String, double[]> series = new ConcurrentHashMap<>();
    private final Map<String, Long> lastCount = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sluice-admin-rates");
        thread.setDaemon(true);
        return thread;
    });

    RateHistory(Supplier<Generation> generation) {
        this.generation = generation;
        sampler.scheduleAtFixedRate(this::sample, SECONDS_PER_POINT, SECONDS_PER_POINT, TimeUnit.SECONDS);
    }

    static String key(String pool, String member) {
        return pool + "\u0000" + member;
    }

    void sample() {
        for (Pool pool : generation.get().pools().values()) {
            for (Member member : pool.members()) {
                String key = key(pool.name(), member.name());
                long count = member.metrics().requestCount();
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
        }
    }

    double[] points(String pool, String member) {
        double[] points = series.get(key(pool, member));
        return points == null ? new double[POINTS] : points.clone();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
