package io.sluice.backend;

import java.io.IOException;

/**
 * A member's response broke HTTP/1.1 framing or syntax: the backend connection is closed
 * and the exchange fails as an empty response would (the client gets 502, or a retry).
 */
public final class MalformedResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedResponseException(String message) {
        super(message);
    }
}
