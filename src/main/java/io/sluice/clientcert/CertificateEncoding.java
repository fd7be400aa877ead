package io.sluice.clientcert;

import java.util.Base64;
import java.util.Locale;

/**
 * How a client certificate (DER) is written into a request header. Every form is one header line:
 * no CR or LF, printable ASCII only.
 */
public enum CertificateEncoding {
    /**
     * The PEM text (64-character lines, LF line ends) percent-encoded as in RFC 3986, everything but
     * the unreserved characters escaped (a space as %20, never '+'): nginx's $ssl_client_escaped_cert.
     * WSO2 API Manager's default (client_certificate_encode = true): its gateway URL-decodes the
     * header, strips the BEGIN/END lines and base64-decodes the rest.
     */
    URL_ENCODED_PEM,
    /**
     * The PEM text on one line, its line breaks replaced by single spaces:
     * "-----BEGIN CERTIFICATE----- MIIC... -----END CERTIFICATE-----". What API Manager reads with
     * client_certificate_encode = false (it turns the spaces back into line breaks).
     */
    PEM,
    /** The DER bytes in base64 (RFC 4648, with padding), without PEM lines. */
    BASE64_DER,
    /** An RFC 8941 structured-field byte sequence, ":" base64 DER ":" (RFC 9440 Client-Cert). */
    BYTE_SEQUENCE;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** As written in the configuration: url-encoded-pem, pem, base64-der. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String encode(byte[] der) {
        return switch (this) {
            case URL_ENCODED_PEM -> percentEncode(pem(der, '\n') + '\n');
            case PEM -> pem(der, ' ');
            case BASE64_DER -> Base64.getEncoder().encodeToString(der);
            case BYTE_SEQUENCE -> ':' + Base64.getEncoder().encodeToString(der) + ':';
        };
    }

    /** PEM with {@code separator} between its lines and no line end after the last. */
    private static String pem(byte[] der, char separator) {
        String base64 = Base64.getEncoder().encodeToString(der);
        StringBuilder text = new StringBuilder(base64.length() + base64.length() / 64 + 64);
        text.append("-----BEGIN CERTIFICATE-----").append(separator);
        for (int i = 0; i < base64.length(); i += 64) {
            text.append(base64, i, Math.min(base64.length(), i + 64)).append(separator);
        }
        return text.append("-----END CERTIFICATE-----").toString();
    }

    /** RFC 3986 percent-encoding: ALPHA, DIGIT and "-._~" stay, every other (ASCII) byte becomes %XX. */
    static String percentEncode(String ascii) {
        StringBuilder out = new StringBuilder(ascii.length() + ascii.length() / 4);
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            boolean unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~';
            if (unreserved) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }
}
