package io.sluice.clientcert;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where a route sends the client's verified certificate: a header name and its encoding, and for
 * RFC 9440 a second header with the rest of the chain the client sent.
 *
 * @param preset    how it was configured, for messages and sluice check
 * @param name      the header that carries the client's own (end-entity) certificate
 * @param encoding  how that certificate is written
 * @param chainName null, or the header for the chain's other certificates (RFC 9440 Client-Cert-Chain)
 */
public record ClientCertificateHeader(Preset preset, String name, CertificateEncoding encoding, String chainName) {

    /** WSO2 API Manager's default for [apimgt.mutual_ssl] certificate_header. */
    public static final String WSO2_HEADER = "X-WSO2-CLIENT-CERTIFICATE";
    public static final String RFC9440_CERT = "Client-Cert";
    public static final String RFC9440_CHAIN = "Client-Cert-Chain";

    /**
     * Removed from every request whatever is configured: a backend that trusts one of these must
     * never see a client's own copy.
     */
    public static final List<String> PRESET_NAMES = List.of(WSO2_HEADER, RFC9440_CERT, RFC9440_CHAIN);

    /** Ways to configure it. */
    public enum Preset {
        /** WSO2 API Manager's mutual-TLS header. */
        WSO2,
        /** RFC 9440 Client-Cert and Client-Cert-Chain. */
        RFC9440,
        /** A header name and encoding of one's own. */
        CUSTOM
    }

    public static ClientCertificateHeader wso2(String name, CertificateEncoding encoding) {
        return new ClientCertificateHeader(Preset.WSO2, name, encoding, null);
    }

    public static ClientCertificateHeader rfc9440() {
        return new ClientCertificateHeader(Preset.RFC9440, RFC9440_CERT, CertificateEncoding.BYTE_SEQUENCE, RFC9440_CHAIN);
    }

    public static ClientCertificateHeader custom(String name, CertificateEncoding encoding) {
        return new ClientCertificateHeader(Preset.CUSTOM, name, encoding, null);
    }

    /**
     * Every header name a client must not send toward any backend: the presets' names always, and
     * each configured header (lower case, as HTTP/2 writes them; header maps ignore case). Each
     * also with '_' for '-': CGI-style servers (PHP, WSGI, Rack) read both spellings as the same
     * variable, so X_WSO2_CLIENT_CERTIFICATE would pass for the real one there.
     */
    public static List<String> namesToStrip(Collection<ClientCertificateHeader> configured) {
        Set<String> names = new LinkedHashSet<>(PRESET_NAMES);
        for (ClientCertificateHeader header : configured) {
            if (header != null) {
                names.add(header.name());
                if (header.chainName() != null) {
                    names.add(header.chainName());
                }
            }
        }
        Set<String> spellings = new LinkedHashSet<>();
        for (String name : names) {
            spellings.add(name.toLowerCase(Locale.ROOT));
            spellings.add(name.toLowerCase(Locale.ROOT).replace('-', '_'));
        }
        return List.copyOf(spellings);
    }

    /** For sluice check and explain, e.g. "X-WSO2-CLIENT-CERTIFICATE (url-encoded-pem)". */
    public String describe() {
        return name + (chainName == null ? "" : " + " + chainName) + " (" + encoding.configName() + ")";
    }
}
