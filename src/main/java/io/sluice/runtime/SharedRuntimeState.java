package io.sluice.runtime;

import io.sluice.admin.ChangeStamp;
import io.sluice.admin.RuntimeState;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.SharedDocument;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The run-time admin state as the cluster shares it: a change made here is stamped with the
 * cluster's clock and sent to the others; a newer copy from another instance is written to this
 * instance's state file and the pools are rebuilt from it, on a thread of its own so that
 * JGroups' delivery never waits for a rebuild.
 */
final class SharedRuntimeState implements SharedDocument {
    private final RuntimeState state;
    private final Runnable rebuild;
    private final ExecutorService applying = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sluice-cluster-apply");
        thread.setDaemon(true);
        return thread;
    });

    private SharedRuntimeState(RuntimeState state, Runnable rebuild) {
        this.state = state;
        this.rebuild = rebuild;
    }

    /** Shares {@code state} through {@code cluster}: stamps, sends and adopts from now on. */
    static SharedRuntimeState share(RuntimeState state, Cluster cluster, Runnable rebuild) {
        SharedRuntimeState shared = new SharedRuntimeState(state, rebuild);
        state.share(user -> {
            Stamp stamp = cluster.stamp(user);
            return new ChangeStamp(stamp.time(), stamp.instance(), stamp.user());
        }, (changes, stamp) -> cluster.changed(shared.current()));
        cluster.share(shared);
        return shared;
    }

    @Override
    public Copy current() {
        ChangeStamp stamp = state.stamp();
        return new Copy(new Stamp(stamp.at(), stamp.through(), stamp.by()), state.document());
    }

    @Override
    public void adopt(Copy newer) {
        applying.execute(() -> {
            if (state.adopt(newer.body())) {
                rebuild.run();
            }
        });
    }

    /** Waits (up to 10 s) until what was adopted so far is applied: at start, before the listeners open. */
    void settle() {
        try {
            applying.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            org.slf4j.LoggerFactory.getLogger(SharedRuntimeState.class).warn("the cluster's run-time state is still being applied: {}",
                    e.toString());
        }
    }

    void close() {
        applying.shutdownNow();
    }
}
