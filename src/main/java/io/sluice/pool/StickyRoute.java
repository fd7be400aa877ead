package io.sluice.pool;

import io.sluice.config.StickyConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

/**
 * Finds the member a request is stuck to from the "id.route" session value in a cookie
 * (Tomcat's JSESSIONID.jvmRoute) or in a ";jsessionid=id.route" path parameter. The
 * route is compared in place against the members' routes: nothing is allocated.
 */
final class StickyRoute {
    private final String[] cookieNames;
    private final String pathParameterMarker;
    private final String separator;

    StickyRoute(StickyConfig config) {
        this.cookieNames = config.cookies().toArray(String[]::new);
        this.pathParameterMarker = config.pathParameter().isEmpty() ? null : ";" + config.pathParameter() + "=";
        this.separator = config.separator();
    }

    /** Index of the member named by the request's session route, -1 for none, -2 for an unknown route. */
    int find(HttpServerExchange exchange, Member[] members) {
        if (cookieNames.length > 0) {
            HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
            if (cookies != null) {
                for (int h = 0; h < cookies.size(); h++) {
                    String header = cookies.get(h);
                    for (String name : cookieNames) {
                        int found = inCookieHeader(header, name, members);
                        if (found != -1) {
                            return found;
                        }
                    }
                }
            }
        }
        if (pathParameterMarker != null) {
            String uri = exchange.getRequestURI();
            long value = pathParameter(uri, pathParameterMarker);
            if (value != CookieHeader.NOT_FOUND) {
                return routeOf(uri, CookieHeader.start(value), CookieHeader.end(value), members);
            }
        }
        return -1;
    }

    /**
     * The value of the path parameter {@code marker} (";jsessionid=") in {@code uri}, up to
     * the next ';', '/' or '?', packed as {@link CookieHeader#find} packs it, or NOT_FOUND.
     */
    static long pathParameter(String uri, String marker) {
        int at = uri.indexOf(marker);
        if (at < 0) {
            return CookieHeader.NOT_FOUND;
        }
        int start = at + marker.length();
        int end = start;
        while (end < uri.length() && uri.charAt(end) != ';' && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
            end++;
        }
        return ((long) start << 32) | end;
    }

    private int inCookieHeader(String header, String name, Member[] members) {
        long value = CookieHeader.find(header, name);
        return value == CookieHeader.NOT_FOUND ? -1 : routeOf(header, CookieHeader.start(value), CookieHeader.end(value), members);
    }

    /** The route is what follows the first separator, up to the next one (mod_jk parsing). */
    private int routeOf(String text, int start, int end, Member[] members) {
        int separatorAt = text.indexOf(separator, start);
        if (separatorAt < 0 || separatorAt >= end) {
            return -1;
        }
        int routeStart = separatorAt + separator.length();
        int routeEnd = text.indexOf(separator, routeStart);
        if (routeEnd < 0 || routeEnd > end) {
            routeEnd = end;
        }
        int length = routeEnd - routeStart;
        if (length <= 0) {
            return -1;
        }
        for (Member member : members) {
            String route = member.route();
            if (route.length() == length && text.regionMatches(routeStart, route, 0, length)) {
                return member.index();
            }
        }
        return -2;
    }
}
