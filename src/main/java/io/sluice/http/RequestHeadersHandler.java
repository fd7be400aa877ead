package io.sluice.http;

import io.sluice.config.Cidr;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request header hygiene before routing: hop-by-hop headers go; X-Forwarded-*, Forwarded
 * and X-Real-IP from a peer outside trusted-proxies go (Undertow's proxy would pass a
 * client's X-Forwarded-Host and Forwarded straight through); a request id is added when
 * absent. The proxy handler then sets X-Forwarded-For/-Proto/-Host/-Port/-Server itself,
 * appending to the values a trusted peer sent.
 */
public final class RequestHeadersHandler implements HttpHandler {
    private static final HttpString[] FORWARDING = {
        Headers.X_FORWARDED_FOR, Headers.X_FORWARDED_PROTO, Headers.X_FORWARDED_HOST, Headers.X_FORWARDED_PORT,
        Headers.X_FORWARDED_SERVER, Headers.FORWARDED, new HttpString("X-Forwarded-Prefix"), new HttpString("X-Real-IP"),
    };
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Cidr[] trustedProxies;
    private final HttpString requestIdHeader;
    private final HttpHandler next;

    public RequestHeadersHandler(List<Cidr> trustedProxies, String requestIdHeader, HttpHandler next) {
        this.trustedProxies = trustedProxies.toArray(Cidr[]::new);
        this.requestIdHeader = requestIdHeader == null || requestIdHeader.isEmpty() ? null : new HttpString(requestIdHeader);
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderMap headers = exchange.getRequestHeaders();
        HopByHop.strip(headers, HopByHop.isUpgrade(headers));
        if (!isTrusted(exchange)) {
            for (HttpString name : FORWARDING) {
                headers.remove(name);
            }
        } else {
            // Undertow's proxy appends the peer to the first X-Forwarded-For line only: fold
            // the lines into one so that no hop a trusted proxy reported is lost.
            foldLines(headers, Headers.X_FORWARDED_FOR);
            foldLines(headers, Headers.FORWARDED);
        }
        if (requestIdHeader != null && !headers.contains(requestIdHeader)) {
            headers.put(requestIdHeader, newRequestId());
        }
        next.handleRequest(exchange);
    }

    private static void foldLines(HeaderMap headers, HttpString name) {
        HeaderValues values = headers.get(name);
        if (values != null && values.size() > 1) {
            headers.put(name, String.join(",", values));
        }
    }

    private boolean isTrusted(HttpServerExchange exchange) {
        if (trustedProxies.length == 0) {
            return false;
        }
        InetSocketAddress peer = exchange.getSourceAddress();
        InetAddress address = peer == null ? null : peer.getAddress();
        if (address == null) {
            return false;
        }
        for (Cidr cidr : trustedProxies) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** 128 random bits in hex: unique enough to correlate logs, and no SecureRandom lock per request. */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xF];
            id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xF];
        }
        return new String(id);
    }
}
