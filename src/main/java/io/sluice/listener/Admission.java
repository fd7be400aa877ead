package io.sluice.listener;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The process-wide connection count: every client connection on every traffic listener
 * holds one place from accept to close, and no more than {@code limits.max-connections}
 * places exist (HAProxy's global maxconn). It outlives listeners and reloads, so connections
 * still open on a listener a reload retired keep counting until they close.
 *
 * <p>The optional per-client cap counts connections by client address in a fixed table of
 * 65 536 counters (256 KiB, allocated when the cap is first turned on), indexed by a hash of
 * the address. Two addresses that share a counter share their cap; with the cap meant to stop
 * one address from holding hundreds of connections, a normal client sharing a counter with
 * another normal client never reaches it. The table never grows and never allocates on the
 * accept path; a plain map keyed by address would have to allocate and remove entries, or be
 * bounded some other way.
 *
 * <p>TLS connections also hold a place among the handshakes in progress until their handshake
 * ends (limits.max-tls-handshakes): a connection stalled inside its ClientHello holds one TLS
 * record buffer (17 KiB, on the heap for the JDK engine, direct for OpenSSL), so thousands of
 * them would exhaust a small heap long before the connection limit is reached.
 *
 * <p>Everything here is lock-free: one increment-and-check per counter, undone if the
 * connection is refused.
 */
public final class Admission {
    /** A refusal, with the word metrics and the log use for it. */
    public enum Refusal {
        LISTENER_LIMIT("listener-limit"), TOTAL_LIMIT("total-limit"), CLIENT_LIMIT("client-limit"), HANDSHAKE_LIMIT("handshake-limit");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    static final int NO_SLOT = -1;
    private static final int CLIENT_SLOTS = 1 << 16;

    private final AtomicInteger open = new AtomicInteger();
    /** TLS connections whose handshake has not ended: each may hold a 17 KiB record buffer meanwhile. */
    private final AtomicInteger handshaking = new AtomicInteger();
    private volatile int maxHandshakes;
    private volatile int maxConnections;
    private volatile int maxPerClient;
    private volatile AtomicIntegerArray perClient;

    public Admission(int maxConnections, int maxPerClient, int maxHandshakes) {
        configure(maxConnections, maxPerClient, maxHandshakes);
    }

    /** New limits (a reload): connections already open stay; new ones meet the new limits. */
    public synchronized void configure(int maxConnections, int maxPerClient, int maxHandshakes) {
        if (maxPerClient > 0 && perClient == null) {
            perClient = new AtomicIntegerArray(CLIENT_SLOTS);
        }
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.maxHandshakes = maxHandshakes;
    }

    /** TLS handshakes in progress on all listeners. */
    public int handshaking() {
        return handshaking.get();
    }

    public int maxHandshakes() {
        return maxHandshakes;
    }

    /** Takes a place among the TLS handshakes in progress; false (nothing taken) when all are taken. */
    boolean enterHandshake() {
        if (handshaking.incrementAndGet() > maxHandshakes) {
            handshaking.decrementAndGet();
            return false;
        }
        return true;
    }

    void leaveHandshake() {
        handshaking.decrementAndGet();
    }

    /** Client connections open on all listeners now. */
    public int open() {
        return open.get();
    }

    public int maxConnections() {
        return maxConnections;
    }

    /** Takes a place in the total; false (and nothing taken) when all are taken. */
    boolean enter() {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    void leave() {
        open.decrementAndGet();
    }

    /**
     * Takes a place in the per-client table: the slot to give back on close, {@link #NO_SLOT}
     * when there is no per-client cap, or {@code Integer.MIN_VALUE} when the client has reached it.
     */
    int enterClient(SocketAddress peer) {
        int cap = maxPerClient;
        AtomicIntegerArray table = perClient;
        if (cap <= 0 || table == null || !(peer instanceof InetSocketAddress address) || address.getAddress() == null) {
            return NO_SLOT;
        }
        int slot = slot(address.getAddress());
        if (table.incrementAndGet(slot) > cap) {
            table.decrementAndGet(slot);
            return Integer.MIN_VALUE;
        }
        return slot;
    }

    void leaveClient(int slot) {
        if (slot >= 0) {
            perClient.decrementAndGet(slot);
        }
    }

    /** Connections open now from the address's slot (tests, the admin). */
    int clientCount(InetAddress address) {
        AtomicIntegerArray table = perClient;
        return table == null ? 0 : table.get(slot(address));
    }

    private static int slot(InetAddress address) {
        int h = address.hashCode() * 0x9E3779B9; // Fibonacci hashing spreads neighbouring addresses
        return (h ^ (h >>> 16)) & (CLIENT_SLOTS - 1);
    }
}
