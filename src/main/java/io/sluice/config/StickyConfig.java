package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * Session affinity of a pool: the modes tried in order, where session ids are read,
 * and what happens when the session's member cannot serve.
 */
public record StickyConfig(List<AffinityMode> modes, List<String> cookies, String pathParameter, String separator, boolean failover,
                           Learn learn, Insert insert, Recent recent) {

    public enum AffinityMode { ROUTE, LEARN, INSERT }

    /** secure = auto sets Secure when the client came over https. */
    public enum Secure { AUTO, ON, OFF }

    public record Learn(int maxEntries, Duration sessionTimeout) {
    }

    /**
     * The sessions seen per member within {@code window}, in a table of at most
     * {@code maxEntries} sessions: what a drain waits for when the sessions live only in
     * the backend's cookie (route and insert affinity).
     */
    public record Recent(Duration window, int maxEntries) {
    }

    public record Insert(String cookie, String path, Secure secure, boolean httpOnly, String sameSite, Duration maxAge, String secret) {
        @Override
        public String toString() {
            return "Insert[cookie=" + cookie + ", path=" + path + ", secure=" + secure + ", httpOnly=" + httpOnly + ", sameSite=" + sameSite
                    + ", maxAge=" + maxAge + ", secret=" + (secret.isEmpty() ? "" : "<redacted>") + "]";
        }
    }

    public StickyConfig {
        modes = List.copyOf(modes);
        cookies = List.copyOf(cookies);
    }

    public boolean has(AffinityMode mode) {
        return modes.contains(mode);
    }

    public boolean enabled() {
        return !modes.isEmpty();
    }
}
