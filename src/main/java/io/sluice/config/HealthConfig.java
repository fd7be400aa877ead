package io.sluice.config;

import java.time.Duration;

/** Active health checks of a pool's members; a null path means none. */
public record HealthConfig(String path, String method, int statusFrom, int statusTo, String expectBody, Duration interval,
                           Duration timeout, int rise, int fall, String host) {

    public boolean enabled() {
        return path != null;
    }

    public boolean accepts(int status) {
        return status >= statusFrom && status <= statusTo;
    }
}
