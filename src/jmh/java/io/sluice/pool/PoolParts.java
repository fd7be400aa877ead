package io.sluice.pool;

import io.sluice.config.PoolConfig;
import io.sluice.metrics.SluiceMetrics;
import io.undertow.client.UndertowClient;
import org.xnio.OptionMap;

/**
 * A pool's request-path parts built by the same constructors {@link Pool#build} calls
 * (members with their Undertow connection pools, session affinity, the proxy client),
 * without health checks or an XNIO worker: nothing here opens a connection. In the
 * pool package so that benchmarks reach package-private methods without widening them.
 */
public final class PoolParts implements AutoCloseable {
    public final PoolConfig config;
    final Member[] members;
    final SessionAffinity affinity;
    final PoolProxyClient client;

    public PoolParts(PoolConfig config, SluiceMetrics metrics) {
        this.config = config;
        this.members = new Member[config.members().size()];
        UndertowClient undertowClient = UndertowClient.getInstance();
        for (int i = 0; i < members.length; i++) {
            members[i] = new Member(config.name(), config.members().get(i), i, config, undertowClient, null, OptionMap.EMPTY,
                    metrics.member(config.name(), config.members().get(i).name()));
        }
        this.affinity = new SessionAffinity(config.sticky(), members, members, config.name(), null, SessionSharing.LOCAL); // places 0..n-1
        this.client = new PoolProxyClient(members, config, affinity, metrics.pool(config.name()));
    }

    /** A trace of a request the member at {@code memberIndex} of {@code pool} served (for response-side benchmarks). */
    public static RequestTrace servedBy(Pool pool, int memberIndex) {
        RequestTrace trace = new RequestTrace(System.nanoTime());
        trace.attempt(pool.members().get(memberIndex));
        return trace;
    }

    @Override
    public void close() {
        for (Member member : members) {
            member.close();
        }
    }
}
