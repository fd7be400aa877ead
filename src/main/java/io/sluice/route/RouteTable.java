package io.sluice.route;

import io.undertow.server.HttpServerExchange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Routes ordered for first-match lookup: the longest prefix wins, and at equal length a
 * route bound to a host wins over one for any host; otherwise the config order holds.
 * A linear scan of an array: route tables are short, and this allocates nothing.
 */
final class RouteTable {
    private final Route[] routes;
    private final boolean anyHostRoutes;

    RouteTable(List<Route> configOrder) {
        List<Route> sorted = new ArrayList<>(configOrder);
        sorted.sort(Comparator.comparingInt((Route route) -> route.prefix.length()).reversed()
                .thenComparing(route -> route.host == null));
        this.routes = sorted.toArray(Route[]::new);
        this.anyHostRoutes = sorted.stream().anyMatch(route -> route.host != null);
    }

    /** hostName is only read when some route is bound to a host. */
    Route match(HttpServerExchange exchange, String path) {
        String host = anyHostRoutes ? exchange.getHostName() : null;
        for (Route route : routes) {
            if (route.matches(host, path)) {
                return route;
            }
        }
        return null;
    }
}
