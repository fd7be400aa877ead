package io.sluice.http;

import io.sluice.syntax.LineSafety;
import io.sluice.syntax.Refusal;
import io.sluice.config.Cidr;
import io.sluice.pool.RequestTrace;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request header hygiene before routing: hop-by-hop headers go; X-Forwarded-*, Forwarded
 * and X-Real-IP from a peer outside trusted-proxies go (Undertow's proxy would pass a
 * client's X-Forwarded-Host and Forwarded straight through); a request id is added when
 * absent. The proxy handler then sets X-Forwarded-For/-Proto/-Host/-Port/-Server itself,
 * appending to the values a trusted peer sent. Client-certificate headers (WSO2's, RFC 9440's and
 * every configured one) go from every request, trusted peer or not: only Sluice may set them, from
 * the certificate its own TLS handshake verified.
 */
public final class RequestHeadersHandler implements HttpHandler {
    private static final HttpString[] FORWARDING = {
        Headers.X_FORWARDED_FOR, Headers.X_FORWARDED_PROTO, Headers.X_FORWARDED_HOST, Headers.X_FORWARDED_PORT,
        Headers.X_FORWARDED_SERVER, Headers.FORWARDED, new HttpString("X-Forwarded-Prefix"), new HttpString("X-Real-IP"),
    };
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Cidr[] trustedProxies;
    private final HttpString[] clientCertificateHeaders;
    private final HttpString requestIdHeader;
    private final Refusals refusals;
    private final HttpHandler next;

    /**
     * @param clientCertificateHeaders header names removed from every request (see
     *                                 io.sluice.clientcert.ClientCertificateHeader#namesToStrip)
     */
    public RequestHeadersHandler(List<Cidr> trustedProxies, String requestIdHeader, List<String> clientCertificateHeaders,
                                 Refusals refusals, HttpHandler next) {
        this.trustedProxies = trustedProxies.toArray(Cidr[]::new);
        this.clientCertificateHeaders = clientCertificateHeaders.stream().map(HttpString::new).toArray(HttpString[]::new);
        this.requestIdHeader = requestIdHeader == null || requestIdHeader.isEmpty() ? null : new HttpString(requestIdHeader);
        this.refusals = refusals;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderMap headers = exchange.getRequestHeaders();
        boolean h2cUpgrade = H2cUpgradeMark.take(headers);
        if (exchange.getProtocol() == Protocols.HTTP_2_0 && !h2cUpgrade) {
            // HTTP/1.1's parser refuses these; HTTP/2 carries them as opaque bytes, and the
            // HTTP/1.1 request to the backend would split on them (request smuggling), or
            // carry a field name with ':' past the exact-name scrub below.
            Refusal refusal = LineSafety.http2Refusal(exchange);
            if (refusal != null) {
                refusals.refused(refusal, exchange.getSourceAddress());
                Responses.plain(exchange, 400, "malformed HTTP/2 request (RFC 9113 section 8.2): " + refusal.label());
                return;
            }
        }
        HopByHop.strip(headers, HopByHop.isUpgrade(headers));
        for (HttpString name : clientCertificateHeaders) {
            headers.remove(name);
        }
        boolean secure = exchange.getConnection().getSslSessionInfo() != null;
        RequestTrace trace = RequestTrace.of(exchange);
        if (!isTrusted(exchange)) {
            for (HttpString name : FORWARDING) {
                headers.remove(name);
            }
            // From the connection, not from the request: over HTTP/2 the client chooses
            // :scheme, and Undertow's proxy would report it as X-Forwarded-Proto.
            headers.put(Headers.X_FORWARDED_PROTO, secure ? "https" : "http");
            headers.put(Headers.X_FORWARDED_PORT, portText(publicPort(exchange, secure)));
            trace.publicScheme(secure ? "https" : "http");
        } else {
            String proto = headers.getFirst(Headers.X_FORWARDED_PROTO);
            trace.publicScheme("https".equalsIgnoreCase(proto) ? "https" : proto != null ? "http" : secure ? "https" : "http");
            // Undertow's proxy appends the peer to the first X-Forwarded-For line only: fold
            // the lines into one so that no hop a trusted proxy reported is lost.
            foldLines(headers, Headers.X_FORWARDED_FOR);
            foldLines(headers, Headers.FORWARDED);
        }
        if (requestIdHeader != null && !isWellFormedId(headers.getFirst(requestIdHeader))) {
            // absent, or not an id (spaces would forge access-log fields): a fresh one
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

    /** The port the client addressed: the Host header's, else the default of the real scheme. */
    private static int publicPort(HttpServerExchange exchange, boolean secure) {
        String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        if (host != null) {
            int colon = host.lastIndexOf(':');
            if (colon > 0 && colon > host.lastIndexOf(']')) {
                try {
                    return Integer.parseInt(host.substring(colon + 1));
                } catch (NumberFormatException ignored) {
                    // fall through to the default
                }
            }
        }
        return secure ? 443 : 80;
    }

    /** The usual ports as constants: HeaderMap.put(name, long) would format a new String per request. */
    private static String portText(int port) {
        return port == 443 ? "443" : port == 80 ? "80" : Integer.toString(port);
    }

    /** 1 to 128 of letters, digits and . _ : - (UUIDs, hex ids, W3C trace ids). */
    static boolean isWellFormedId(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
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
