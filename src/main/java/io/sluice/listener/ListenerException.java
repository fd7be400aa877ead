package io.sluice.listener;

/** A listener could not be set up or bound; the message is for the operator. */
public final class ListenerException extends Exception {
    private static final long serialVersionUID = 1L;

    public ListenerException(String message) {
        super(message, null, false, false);
    }
}
