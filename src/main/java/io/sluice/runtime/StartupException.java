package io.sluice.runtime;

/** Sluice could not start: the message says why, for the operator, without a stack trace. */
public final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;

    public StartupException(String message) {
        super(message, null, false, false);
    }
}
