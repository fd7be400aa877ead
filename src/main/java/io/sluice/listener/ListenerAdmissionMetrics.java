package io.sluice.listener;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.sluice.listener.Admission;
import io.sluice.listener.AdmissionEvents;

/**
 * Per traffic listener: connections refused by a connection limit (by which limit), TLS
 * handshakes and silent plain connections closed by their timeouts, and HTTP/2 streams refused
 * over the stream limit. Kept by listener name for the life of the process, like the TLS
 * handshake counters, so a reload that rebinds the listener keeps counting.
 */
public final class ListenerAdmissionMetrics implements AdmissionEvents {
    final String listener;
    final Counter[] refused = new Counter[Admission.Refusal.values().length];
    final Counter handshakeTimeouts;
    final Counter silentClosed;
    final Counter streamsRefused;

    ListenerAdmissionMetrics(MetricRegistry registry, String listener) {
        this.listener = listener;
        for (Admission.Refusal why : Admission.Refusal.values()) {
            refused[why.ordinal()] = registry.counter(MetricRegistry.name("sluice", "listener", listener, "connections-refused", why.label()));
        }
        this.handshakeTimeouts = registry.counter(MetricRegistry.name("sluice", "listener", listener, "tls-handshake-timeouts"));
        this.silentClosed = registry.counter(MetricRegistry.name("sluice", "listener", listener, "silent-connections-closed"));
        this.streamsRefused = registry.counter(MetricRegistry.name("sluice", "listener", listener, "http2-streams-refused"));
    }

    @Override
    public void refused(Admission.Refusal why) {
        refused[why.ordinal()].inc();
    }

    @Override
    public void handshakeTimedOut() {
        handshakeTimeouts.inc();
    }

    @Override
    public void silentClosed() {
        silentClosed.inc();
    }

    @Override
    public void streamRefused() {
        streamsRefused.inc();
    }

    public String listener() {
        return listener;
    }

    public Counter[] refused() {
        return refused;
    }

    public Counter handshakeTimeouts() {
        return handshakeTimeouts;
    }

    /** Silent plain connections closed so far (the event itself is {@link #silentClosed()}). */
    public Counter silentConnectionsClosed() {
        return silentClosed;
    }

    public Counter streamsRefused() {
        return streamsRefused;
    }
}
