package io.sluice.tls;

/**
 * A problem with TLS key material or TLS settings that an operator has to fix.
 *
 * <p>The message is printed to the operator as is, without a stack trace, so every message is a
 * full sentence that names the file (or listener) concerned and says what to do about it. The
 * cause, when there is one, is kept for debug logging only.
 */
public final class TlsMaterialException extends Exception {

    private static final long serialVersionUID = 1L;

    public TlsMaterialException(String message) {
        super(message);
    }

    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
