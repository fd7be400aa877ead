package io.sluice.pool;

/**
 * Finds a cookie's value inside a Cookie header (or a Set-Cookie's leading name=value)
 * without allocating: the result packs the value's start and end offsets.
 */
final class CookieHeader {
    static final long NOT_FOUND = -1L;

    private CookieHeader() {
    }

    /** (start << 32) | end of the value of the first cookie called {@code name}, or NOT_FOUND. */
    static long find(String header, String name) {
        int from = 0;
        int length = header.length();
        while (from < length) {
            int at = header.indexOf(name, from);
            if (at < 0) {
                return NOT_FOUND;
            }
            int afterName = at + name.length();
            boolean startsPair = at == 0 || header.charAt(at - 1) == ' ' || header.charAt(at - 1) == ';' || header.charAt(at - 1) == '\t';
            if (startsPair && afterName < length && header.charAt(afterName) == '=') {
                int start = afterName + 1;
                int end = header.indexOf(';', start);
                if (end < 0) {
                    end = length;
                }
                while (end > start && header.charAt(end - 1) == ' ') {
                    end--;
                }
                if (end - start >= 2 && header.charAt(start) == '"' && header.charAt(end - 1) == '"') {
                    start++;
                    end--;
                }
                return ((long) start << 32) | end;
            }
            from = afterName;
        }
        return NOT_FOUND;
    }

    /** The value of a Set-Cookie header when it sets {@code name}, as find() packs it. */
    static long setCookieValue(String setCookie, String name) {
        int eq = setCookie.indexOf('=');
        if (eq != name.length() || !setCookie.startsWith(name)) {
            return NOT_FOUND;
        }
        int end = setCookie.indexOf(';', eq + 1);
        if (end < 0) {
            end = setCookie.length();
        }
        return ((long) (eq + 1) << 32) | end;
    }

    static int start(long found) {
        return (int) (found >>> 32);
    }

    static int end(long found) {
        return (int) found;
    }
}
