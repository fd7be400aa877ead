package io.sluice.cluster;

/** The cluster cannot be joined; the message says why and names the setting or file. */
public final class ClusterException extends Exception {
    public ClusterException(String message) {
        super(message);
    }
}
