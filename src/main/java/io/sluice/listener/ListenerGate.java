package io.sluice.listener;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.StreamConnection;

/**
 * One bound listener's admission: its own connection count against its max-connections,
 * then the process-wide {@link Admission} (total, then per client). A connection that gets
 * through holds its places until it closes; one that does not is refused by the caller.
 *
 * <p>The first refusal logs one warning line, and further ones at most one line a minute with
 * how many were refused since: a flood must not turn into a flood of log lines.
 */
public final class ListenerGate {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerGate.class);
    static final int REFUSED = Integer.MIN_VALUE;
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final String listener;
    private volatile int maxConnections;
    private final Admission admission;
    private final AdmissionEvents events;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refusedSinceWarning = new AtomicLong();
    private final AtomicLong nextWarning = new AtomicLong(Long.MIN_VALUE);

    public ListenerGate(String listener, int maxConnections, Admission admission, AdmissionEvents events) {
        this.listener = listener;
        this.maxConnections = maxConnections;
        this.admission = admission;
        this.events = events;
    }

    /** A reload's new max-connections: connections over it stay open, new ones wait until the count is below. */
    void limit(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** Connections open on this listener now. */
    public int open() {
        return open.get();
    }

    AdmissionEvents events() {
        return events;
    }

    /** The per-client slot the connection holds (or {@link Admission#NO_SLOT}), or {@link #REFUSED}. */
    int admit(StreamConnection connection, boolean tls) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refused(Admission.Refusal.LISTENER_LIMIT, connection);
            return REFUSED;
        }
        if (!admission.enter()) {
            open.decrementAndGet();
            refused(Admission.Refusal.TOTAL_LIMIT, connection);
            return REFUSED;
        }
        int slot = admission.enterClient(connection.getPeerAddress());
        if (slot == Integer.MIN_VALUE) {
            admission.leave();
            open.decrementAndGet();
            refused(Admission.Refusal.CLIENT_LIMIT, connection);
            return REFUSED;
        }
        if (tls && !admission.enterHandshake()) {
            admission.leaveClient(slot);
            admission.leave();
            open.decrementAndGet();
            refused(Admission.Refusal.HANDSHAKE_LIMIT, connection);
            return REFUSED;
        }
        return slot;
    }

    /** A TLS connection's handshake ended (or it closed before): its handshake place is free. */
    void handshakeEnded() {
        admission.leaveHandshake();
    }

    void release(int slot) {
        admission.leaveClient(slot);
        admission.leave();
        open.decrementAndGet();
    }

    private void refused(Admission.Refusal why, StreamConnection connection) {
        events.refused(why);
        long count = refusedSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        long next = nextWarning.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextWarning.compareAndSet(next, now + WARN_EVERY_NANOS)) {
            refusedSinceWarning.addAndGet(-count);
            String limit = switch (why) {
                case LISTENER_LIMIT -> "its max-connections (" + maxConnections + ")";
                case TOTAL_LIMIT -> "limits.max-connections (" + admission.maxConnections() + ")";
                case CLIENT_LIMIT -> "limits.max-connections-per-client for " + connection.getPeerAddress();
                case HANDSHAKE_LIMIT -> "limits.max-tls-handshakes (" + admission.maxHandshakes() + ")";
            };
            LOG.warn("listener {}: {} new connection(s) reset, over {}; counted in sluice_listener_connections_refused_total,"
                    + " logged at most once a minute", listener, count, limit);
        }
    }
}
