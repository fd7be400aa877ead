package io.sluice.listener;

/** What a listener's admission control reports, once per event, to the listener's counters. */
public interface AdmissionEvents {
    /** A new connection was reset at once, over a connection limit. */
    void refused(Admission.Refusal why);

    /** A TLS connection was closed for not completing its handshake within limits.tls-handshake-timeout. */
    void handshakeTimedOut();

    /** A plain connection was closed for sending nothing within limits.request-parse-timeout. */
    void silentClosed();

    /** An HTTP/2 stream was refused (RST_STREAM REFUSED_STREAM), over limits.http2-max-concurrent-streams. */
    void streamRefused();

    AdmissionEvents NONE = new AdmissionEvents() {
        @Override
        public void refused(Admission.Refusal why) {
        }

        @Override
        public void handshakeTimedOut() {
        }

        @Override
        public void silentClosed() {
        }

        @Override
        public void streamRefused() {
        }
    };
}
