package io.sluice.admin;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * When, through which instance and by whom the run-time changes were last changed: {@code at}
 * in milliseconds since the epoch (with a cluster, its hybrid logical clock), {@code through}
 * the instance ("" without a cluster), {@code by} the admin user. Kept in the state file, so
 * that an instance that restarts knows how new its copy is.
 */
@JsonPropertyOrder({"at", "through", "by"})
public record ChangeStamp(long at, String through, String by) {
    public static final ChangeStamp NONE = new ChangeStamp(0, "", "");

    public ChangeStamp {
        through = through == null ? "" : through;
        by = by == null ? "" : by;
    }

    /** Later, or at the same time through an instance whose name sorts after: the order every instance agrees on. */
    public boolean isNewerThan(ChangeStamp other) {
        return at != other.at ? at > other.at : through.compareTo(other.through) > 0;
    }
}
