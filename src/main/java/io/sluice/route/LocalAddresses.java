package io.sluice.route;

/**
 * Host names and address literals that can only name a machine from the inside: loopback,
 * private and link-local ranges (RFC 1918, RFC 4193, RFC 6598), "localhost". Read from the
 * text alone: a name is never looked up.
 */
final class LocalAddresses {
    private LocalAddresses() {
    }

    /** @param host a URL's host in lower case; an IPv6 literal with or without brackets */
    static boolean isLocalOrPrivate(String host) {
        if (host.equals("localhost") || host.endsWith(".localhost") || host.endsWith(".local")) {
            return true;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.indexOf(':') >= 0) {
            return host.equals("::1") || host.startsWith("fc") || host.startsWith("fd") || host.startsWith("fe8")
                    || host.startsWith("fe9") || host.startsWith("fea") || host.startsWith("feb") || host.startsWith("::ffff:127.")
                    || host.startsWith("::ffff:10.") || host.startsWith("::ffff:192.168.");
        }
        int[] octets = ipv4(host);
        if (octets == null) {
            return false;
        }
        int a = octets[0];
        int b = octets[1];
        return a == 127 || a == 10 || a == 0 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168)
                || (a == 169 && b == 254) || (a == 100 && b >= 64 && b <= 127);
    }

    /** The four octets of a dotted-decimal IPv4 literal, or null. */
    private static int[] ipv4(String host) {
        int[] octets = new int[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if (c == '.' && value >= 0 && part < 3) {
                octets[part++] = value;
                value = -1;
            } else {
                return null;
            }
        }
        if (part != 3 || value < 0) {
            return null;
        }
        octets[3] = value;
        return octets;
    }
}
