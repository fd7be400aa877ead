package io.sluice.config;

/**
 * Request-rate limits (a token bucket in GCRA form, as NGINX's limit_req): {@code perClient}
 * requests per second for each client address, {@code total} for everyone together, each
 * bucket allowing {@code burst} requests at once above its rate. A rate of 0 is no limit;
 * {@code clients} bounds the client addresses tracked.
 */
public record RateLimitConfig(double perClient, double total, int burst, int clients) {
    /** The highest rate a bucket can hold (its interval is kept in 1/16 ms ticks). */
    public static final double MAX_RATE = 10_000;

    public static final RateLimitConfig OFF = new RateLimitConfig(0, 0, 0, 0);

    public boolean enabled() {
        return perClient > 0 || total > 0;
    }
}
