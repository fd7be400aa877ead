package io.sluice.clientcert;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.EnumMap;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts the client's certificate into the request a route sends to its pool, when the TLS handshake
 * verified one: a certificate in the session was checked against the listener's client-ca (and CRL)
 * during the handshake, which fails otherwise, so whatever the session holds is trusted. No
 * certificate, no header. A client's own copy was removed before routing (see
 * {@link ClientCertificateHeader#namesToStrip}).
 *
 * <p>The encoded text is computed once per connection and encoding and kept on the connection
 * (for HTTP/2 on the connection, not the stream), together with the SSLSession it came from, so a
 * TLS 1.2 renegotiation that changes the certificate is noticed.
 */
public final class ClientCertificateForwarder {

    /** One attachment per encoding: routes that share an encoding share the work. */
    private static final Map<CertificateEncoding, AttachmentKey<Encoded>> KEYS = new EnumMap<>(CertificateEncoding.class);

    static {
        for (CertificateEncoding encoding : CertificateEncoding.values()) {
            KEYS.put(encoding, AttachmentKey.create(Encoded.class));
        }
    }

    private final HttpString name;
    private final HttpString chainName;
    private final CertificateEncoding encoding;
    private final AttachmentKey<Encoded> key;

    public ClientCertificateForwarder(ClientCertificateHeader header) {
        this.name = new HttpString(header.name());
        this.chainName = header.chainName() == null ? null : new HttpString(header.chainName());
        this.encoding = header.encoding();
        this.key = KEYS.get(encoding);
    }

    /** Sets the header(s) on the request toward the backend, or nothing without a verified certificate. */
    public void apply(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        SSLSession session = connection.getSslSession();
        if (session == null) {
            return;
        }
        Encoded encoded = connection.getAttachment(key);
        if (encoded == null || encoded.session != session) {
            encoded = encode(session, encoding);
            connection.putAttachment(key, encoded);
        }
        HeaderMap headers = exchange.getRequestHeaders();
        if (encoded.certificate != null) {
            headers.put(name, encoded.certificate);
            if (chainName != null && encoded.chain != null) {
                headers.put(chainName, encoded.chain);
            }
        }
    }

    /**
     * The session's peer certificate in this encoding; for the structured-field encoding also the rest
     * of the chain the client sent, as an RFC 8941 list of byte sequences (RFC 9440 Client-Cert-Chain).
     */
    static Encoded encode(SSLSession session, CertificateEncoding encoding) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return new Encoded(session, null, null); // no certificate: remembered, so not asked again per request
        }
        if (peer == null || peer.length == 0) {
            return new Encoded(session, null, null);
        }
        try {
            String certificate = encoding.encode(peer[0].getEncoded());
            String chain = null;
            if (encoding == CertificateEncoding.BYTE_SEQUENCE && peer.length > 1) {
                StringBuilder list = new StringBuilder();
                for (int i = 1; i < peer.length; i++) {
                    list.append(i > 1 ? ", " : "").append(CertificateEncoding.BYTE_SEQUENCE.encode(peer[i].getEncoded()));
                }
                chain = list.toString();
            }
            return new Encoded(session, certificate, chain);
        } catch (CertificateEncodingException e) {
            // a certificate the handshake accepted always has its DER form; forward nothing rather than a guess
            return new Encoded(session, null, null);
        }
    }

    /** What one connection's session encodes to; null fields when there is nothing to send. */
    record Encoded(SSLSession session, String certificate, String chain) {
    }
}
