package io.sluice.listener;

import io.undertow.server.ConnectorStatistics;
import io.undertow.server.OpenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The Undertow open listeners (protocol stacks) one bound listener has served with: the current
 * one, which takes new connections, and earlier ones that still hold connections accepted before a
 * reload. Their counters read as one listener's, so a reload neither resets nor loses a count: a
 * stack whose last connection has closed is dropped at the next hand-over and its totals folded in.
 *
 * <p>Written by one reload at a time; read by the metrics and the admin API at any time.
 */
final class OpenListeners implements ConnectorStatistics {
    private volatile OpenListener current;
    private volatile List<OpenListener> earlier = List.of();
    private final AtomicLong foldedRequests = new AtomicLong();
    private final AtomicLong foldedBytesSent = new AtomicLong();
    private final AtomicLong foldedBytesReceived = new AtomicLong();
    private final AtomicLong foldedErrors = new AtomicLong();
    private final AtomicLong foldedProcessingTime = new AtomicLong();

    OpenListeners(OpenListener current) {
        this.current = current;
    }

    OpenListener current() {
        return current;
    }

    /** Every stack that may hold connections: the earlier ones, then the current one. */
    List<OpenListener> all() {
        List<OpenListener> all = new ArrayList<>(earlier);
        all.add(current);
        return all;
    }

    void handOver(OpenListener next) {
        List<OpenListener> stillOpen = new ArrayList<>();
        for (OpenListener stack : all()) {
            ConnectorStatistics stats = stack.getConnectorStatistics();
            if (stats.getActiveConnections() > 0) {
                stillOpen.add(stack);
            } else {
                foldedRequests.addAndGet(stats.getRequestCount());
                foldedBytesSent.addAndGet(stats.getBytesSent());
                foldedBytesReceived.addAndGet(stats.getBytesReceived());
                foldedErrors.addAndGet(stats.getErrorCount());
                foldedProcessingTime.addAndGet(stats.getProcessingTime());
            }
        }
        earlier = List.copyOf(stillOpen);
        current = next;
    }

    private long sum(ToLongFunction<ConnectorStatistics> counter) {
        long total = counter.applyAsLong(current.getConnectorStatistics());
        for (OpenListener stack : earlier) {
            total += counter.applyAsLong(stack.getConnectorStatistics());
        }
        return total;
    }

    private long max(ToLongFunction<ConnectorStatistics> gauge) {
        long max = gauge.applyAsLong(current.getConnectorStatistics());
        for (OpenListener stack : earlier) {
            max = Math.max(max, gauge.applyAsLong(stack.getConnectorStatistics()));
        }
        return max;
    }

    @Override
    public long getRequestCount() {
        return foldedRequests.get() + sum(ConnectorStatistics::getRequestCount);
    }

    @Override
    public long getBytesSent() {
        return foldedBytesSent.get() + sum(ConnectorStatistics::getBytesSent);
    }

    @Override
    public long getBytesReceived() {
        return foldedBytesReceived.get() + sum(ConnectorStatistics::getBytesReceived);
    }

    @Override
    public long getErrorCount() {
        return foldedErrors.get() + sum(ConnectorStatistics::getErrorCount);
    }

    @Override
    public long getProcessingTime() {
        return foldedProcessingTime.get() + sum(ConnectorStatistics::getProcessingTime);
    }

    @Override
    public long getMaxProcessingTime() {
        return max(ConnectorStatistics::getMaxProcessingTime);
    }

    @Override
    public void reset() {
        for (OpenListener stack : all()) {
            stack.getConnectorStatistics().reset();
        }
        foldedRequests.set(0);
        foldedBytesSent.set(0);
        foldedBytesReceived.set(0);
        foldedErrors.set(0);
        foldedProcessingTime.set(0);
    }

    @Override
    public long getActiveConnections() {
        return sum(ConnectorStatistics::getActiveConnections);
    }

    @Override
    public long getMaxActiveConnections() {
        return max(ConnectorStatistics::getMaxActiveConnections);
    }

    @Override
    public long getActiveRequests() {
        return sum(ConnectorStatistics::getActiveRequests);
    }

    @Override
    public long getMaxActiveRequests() {
        return max(ConnectorStatistics::getMaxActiveRequests);
    }
}
