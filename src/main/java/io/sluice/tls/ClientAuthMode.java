package io.sluice.tls;

/** Whether an https listener asks its clients for a certificate (tls.client-auth). */
public enum ClientAuthMode {
    /** No certificate is requested. */
    NONE,
    /**
     * A certificate is requested; a client may send none. One it does send must be trusted (and not
     * revoked), or the handshake fails: an untrusted certificate never reaches a request.
     */
    OPTIONAL,
    /** A trusted, unrevoked certificate is required; without one the handshake fails. */
    REQUIRED
}
