package io.sluice.pool;

/** What session affinity did for a request; logged in the access log as sticky=... */
public enum StickyOutcome {
    /** The request carried no session route. */
    NONE("-"),
    /** Sent to the member its session route names. */
    HIT("hit"),
    /** Its member was out of rotation or failed to connect, so another member served it. */
    FAILOVER("failover"),
    /** The route names no member of the pool (e.g. a node removed from the config). */
    UNKNOWN("unknown");

    private final String logName;

    StickyOutcome(String logName) {
        this.logName = logName;
    }

    public String logName() {
        return logName;
    }
}
