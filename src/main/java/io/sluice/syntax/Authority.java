package io.sluice.syntax;

/**
 * The authority of a request ({@code Host}, HTTP/2 {@code :authority}) as RFC 9110 §7.2 and
 * RFC 3986 §3.2.2 allow it: a reg-name (unreserved, sub-delims, %HH), an IPv4 address or a
 * bracketed IPv6 literal, then optionally {@code :port} (1 to 5 digits, at most 65535). No
 * user info, path, query, whitespace or control characters. Allocation-free.
 */
public final class Authority {
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            REG_NAME[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            REG_NAME[c] = true;
            REG_NAME[c - 32] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
    }

    private Authority() {
    }

    /** Whether {@code authority} is a valid Host / :authority value. */
    public static boolean isValid(String authority) {
        int end = hostEnd(authority);
        if (end <= 0) {
            return false;
        }
        if (end == authority.length()) {
            return true;
        }
        // ":" port
        int digits = authority.length() - end - 1;
        if (authority.charAt(end) != ':' || digits < 1 || digits > 5) {
            return false;
        }
        int port = 0;
        for (int i = end + 1; i < authority.length(); i++) {
            char c = authority.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    /**
     * The length of the host part (an IPv6 literal with its brackets), or -1 when the host
     * part is malformed or empty.
     */
    public static int hostEnd(String authority) {
        if (authority == null || authority.isEmpty()) {
            return -1;
        }
        int length = authority.length();
        if (authority.charAt(0) == '[') {
            int colons = 0;
            for (int i = 1; i < length; i++) {
                char c = authority.charAt(i);
                if (c == ']') {
                    return colons >= 2 ? i + 1 : -1;
                }
                if (c == ':') {
                    colons++;
                } else if (!(c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                    return -1;
                }
            }
            return -1;
        }
        for (int i = 0; i < length; i++) {
            char c = authority.charAt(i);
            if (c == ':') {
                return i == 0 ? -1 : i;
            }
            if (c == '%') {
                if (i + 2 >= length || Character.digit(authority.charAt(i + 1), 16) < 0 || Character.digit(authority.charAt(i + 2), 16) < 0) {
                    return -1;
                }
                i += 2;
            } else if (c >= 128 || !REG_NAME[c]) {
                return -1;
            }
        }
        return length;
    }
}
