package io.sluice.listener;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.sluice.tls.HandshakeOutcomes;

/**
 * Per https listener: TLS handshakes completed and failed, reported once per connection by the
 * listener's engines. Kept in the registry by listener name for the life of the process, so a reload
 * that swaps the TLS context (renewed certificates) or rebinds the listener keeps counting.
 */
public final class ListenerTlsMetrics implements HandshakeOutcomes {
    final String listener;
    final Counter handshakes;
    final Counter handshakeFailures;

    ListenerTlsMetrics(MetricRegistry registry, String listener) {
        this.listener = listener;
        this.handshakes = registry.counter(MetricRegistry.name("sluice", "listener", listener, "tls-handshakes"));
        this.handshakeFailures = registry.counter(MetricRegistry.name("sluice", "listener", listener, "tls-handshake-failures"));
    }

    @Override
    public void completed() {
        handshakes.inc();
    }

    @Override
    public void failed() {
        handshakeFailures.inc();
    }

    public String listener() {
        return listener;
    }

    public Counter handshakes() {
        return handshakes;
    }

    public Counter handshakeFailures() {
        return handshakeFailures;
    }
}
