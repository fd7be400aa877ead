package io.sluice.admin;

import java.io.IOException;

/** The admin state file cannot be read, understood or written; the message names the file and the reason. */
public class StateFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public StateFileException(String message) {
        super(message);
    }

    /** The new file is in place but not known to be durable: the previous content should be written back. */
    static final class AfterRename extends StateFileException {
        private static final long serialVersionUID = 1L;

        AfterRename(String message) {
            super(message);
        }
    }
}
