package io.sluice.ratelimit;

import io.sluice.config.Cidr;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.NetworkUtils;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The client a rate limit counts a request against, as a 64-bit key: the connection's peer
 * address; behind a trusted proxy, the last X-Forwarded-For address that is not itself a
 * trusted proxy (the one the nearest trusted proxy saw). Nothing else a client sends is
 * believed: from an untrusted peer X-Forwarded-For is ignored (and removed before
 * proxying), and an entry that is not an address literal ends the search at the proxy.
 */
public final class ClientAddress {
    private final Cidr[] trustedProxies;

    public ClientAddress(java.util.List<Cidr> trustedProxies) {
        this.trustedProxies = trustedProxies.toArray(Cidr[]::new);
    }

    public long key(HttpServerExchange exchange) {
        InetSocketAddress peer = exchange.getSourceAddress();
        InetAddress address = peer == null ? null : peer.getAddress();
        if (address == null) {
            return 0;
        }
        if (trusted(address)) {
            InetAddress forwarded = forwardedClient(exchange.getRequestHeaders().get(Headers.X_FORWARDED_FOR));
            if (forwarded != null) {
                address = forwarded;
            }
        }
        return key(address);
    }

    /** Right to left through X-Forwarded-For (all its lines): the first entry that is not a trusted proxy. */
    private InetAddress forwardedClient(java.util.List<String> lines) {
        if (lines == null) {
            return null;
        }
        InetAddress last = null;
        for (int line = lines.size() - 1; line >= 0; line--) {
            String[] entries = lines.get(line).split(",");
            for (int i = entries.length - 1; i >= 0; i--) {
                InetAddress entry = literal(entries[i].trim());
                if (entry == null) {
                    return last;
                }
                if (!trusted(entry)) {
                    return entry;
                }
                last = entry;
            }
        }
        return last;
    }

    /** An IPv4 or IPv6 literal (brackets and an IPv4 port allowed), never a name lookup; null otherwise. */
    static InetAddress literal(String text) {
        String address = text;
        try {
            if (address.startsWith("[")) {
                int close = address.indexOf(']');
                return close < 0 ? null : NetworkUtils.parseIpv6Address(address.substring(1, close));
            }
            if (address.indexOf(':') != address.lastIndexOf(':')) {
                return NetworkUtils.parseIpv6Address(address);
            }
            int colon = address.indexOf(':');
            return NetworkUtils.parseIpv4Address(colon < 0 ? address : address.substring(0, colon));
        } catch (java.io.IOException | IllegalArgumentException notAnAddress) {
            return null;
        }
    }

    private boolean trusted(InetAddress address) {
        for (Cidr cidr : trustedProxies) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    static long key(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return ByteBuffer.wrap(bytes).getInt() & 0xFFFFFFFFL;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return buffer.getLong() * 31 + buffer.getLong() ^ 0x6000000000000000L;
    }
}
