package io.sluice.cluster;

/**
 * A document every instance holds one copy of: the run-time admin state (member states and
 * weights, members added and removed). Each copy carries the {@link Stamp} of the change that
 * made it; the cluster keeps every instance at the copy with the newest stamp (last writer wins,
 * for the whole document).
 */
public interface SharedDocument {

    /** This instance's copy now, with its stamp (the zero stamp when nothing was changed yet). */
    Copy current();

    /** A newer copy from another instance (or the whole cluster's, on joining): make it this instance's. */
    void adopt(Copy newer);

    /** A copy: its body (the document as bytes) and the change that made it. */
    record Copy(Stamp stamp, byte[] body) {
    }

    /**
     * When, where and by whom a change was made. {@code time} is a hybrid logical clock in
     * milliseconds: never behind the wall clock, always ahead of every stamp this instance has
     * seen, so a change made after seeing another is newer whatever the clocks say; equal times
     * are ordered by instance name.
     */
    record Stamp(long time, String instance, String user) implements Comparable<Stamp> {
        public static final Stamp ZERO = new Stamp(0, "", "");

        @Override
        public int compareTo(Stamp other) {
            int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : instance.compareTo(other.instance);
        }

        public boolean isNewerThan(Stamp other) {
            return compareTo(other) > 0;
        }
    }
}
