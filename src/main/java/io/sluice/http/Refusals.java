package io.sluice.http;

import io.sluice.syntax.Refusal;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests one listener refused, counted by {@link Refusal}. Each refusal is logged at
 * DEBUG (logger {@code sluice.refused}); at WARN only one summary line a minute, so that a
 * client sending bad requests cannot flood the log. Lock-free and allocation-free on the
 * counting path; kept by listener name for the life of the process (a reload keeps counting).
 */
public final class Refusals {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.refused");
    private static final long WARN_INTERVAL_NANOS = 60_000_000_000L;

    private final String listener;
    private final LongAdder[] counts = new LongAdder[Refusal.values().length];
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    public Refusals(String listener) {
        this.listener = listener;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public String listener() {
        return listener;
    }

    public long count(Refusal reason) {
        return counts[reason.ordinal()].sum();
    }

    public void refused(Refusal reason, SocketAddress peer) {
        counts[reason.ordinal()].increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("listener {}: refused a request from {}: {}", listener, peer, reason.label());
        }
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarn.compareAndSet(last, now) && LOG.isWarnEnabled()) {
            LOG.warn("listener {}: refusing malformed or misdirected requests (totals since start: {}); each one is logged at DEBUG "
                    + "on logger sluice.refused, and this line repeats at most once a minute", listener, totals());
        }
    }

    private String totals() {
        StringBuilder text = new StringBuilder();
        for (Refusal reason : Refusal.values()) {
            long count = count(reason);
            if (count > 0) {
                text.append(text.length() == 0 ? "" : ", ").append(reason.label()).append(' ').append(count);
            }
        }
        return text.toString();
    }
}
