package io.sluice.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** host:port to bind. Port 0 asks the kernel for a free port (tests). */
public record BindAddress(String host, int port) {

    /** Parses "host:port" or "[v6]:port"; returns null when the text is not of that form. */
    static BindAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return null;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            return null;
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            return port < 0 || port > 65535 ? null : new BindAddress(host, port);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    boolean isWildcard() {
        try {
            return InetAddress.getByName(host).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Two binds collide when they share a port and one host covers the other. */
    boolean overlaps(BindAddress other) {
        return port != 0 && port == other.port
                && (host.equalsIgnoreCase(other.host) || isWildcard() || other.isWildcard());
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
