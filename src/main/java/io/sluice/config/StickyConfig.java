package io.sluice.config;

import java.util.List;

/** Where a request's session route is read: cookie values and a path parameter, "id.route". */
public record StickyConfig(List<String> cookies, String pathParameter, String separator) {

    public StickyConfig {
        cookies = List.copyOf(cookies);
    }

    public boolean enabled() {
        return !cookies.isEmpty() || !pathParameter.isEmpty();
    }
}
