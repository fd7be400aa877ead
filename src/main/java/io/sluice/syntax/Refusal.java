package io.sluice.syntax;

/**
 * Why Sluice refused a request before routing it: the {@code reason} label of
 * {@code sluice_listener_requests_refused_total}.
 */
public enum Refusal {
    /** HTTP/1.1 header line continued on the next line (obs-fold, RFC 9112 §5.2). */
    OBS_FOLD("obs-fold"),
    /** HTTP/1.1 line ended by LF alone, or a CR not followed by LF (head or chunk framing). */
    BARE_LF("bare-lf"),
    /** A control character (other than HTAB) in a header value. */
    CONTROL_CHAR("control-char"),
    /** A header name that is not an RFC 9110 token (HTTP/2: also uppercase or ':'). */
    HEADER_NAME("header-name"),
    /** HTTP/2 header value starting or ending with whitespace (RFC 9113 §8.2.1). */
    HEADER_WHITESPACE("header-whitespace"),
    /** Body framing that two parsers could read differently: Content-Length with Transfer-Encoding, several or malformed Content-Length, a Transfer-Encoding other than chunked. */
    FRAMING("framing"),
    /** HTTP/2 connection-specific header (RFC 9113 §8.2.2). */
    CONNECTION_HEADER("connection-header"),
    /** Host / :authority missing or not a valid authority. */
    INVALID_HOST("invalid-host"),
    /** Host not among the listener's server-names (421). */
    MISDIRECTED("misdirected");

    private final String label;

    Refusal(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
