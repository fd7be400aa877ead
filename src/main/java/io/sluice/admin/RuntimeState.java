package io.sluice.admin;

import io.sluice.admin.RuntimeChanges.AddedMember;
import io.sluice.admin.RuntimeChanges.MemberChanges;
import io.sluice.admin.RuntimeChanges.PoolChanges;
import io.sluice.config.MemberConfig;
import io.sluice.config.MemberState;
import io.sluice.config.PoolConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run-time changes made through the admin (member state and weight, members added and
 * removed), kept apart from the config file: applied to every generation built (so they
 * survive a reload), and kept in admin.state-file (so they survive a restart). A change is
 * written to the file, durably, before it becomes current: what the API acknowledged is
 * what a restart finds.
 */
public final class RuntimeState {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeState.class);

    private final Path file;
    /** Held by an admin change from reading the current changes to applying the new ones: changes never interleave. */
    private final ReentrantLock changeLock = new ReentrantLock();
    private volatile RuntimeChanges changes;
    /** When, where and by whom {@link #changes} were made. */
    private volatile ChangeStamp stamp;
    /** Stamps a change made here by an admin user; the cluster's clock when there is one. */
    private volatile java.util.function.Function<String, ChangeStamp> stamper =
            user -> new ChangeStamp(System.currentTimeMillis(), "", user);
    /** Told of every change made here (not of those adopted from elsewhere), once it is on disk. */
    private volatile java.util.function.BiConsumer<RuntimeChanges, ChangeStamp> onChange = (next, madeAt) -> { };

    private RuntimeState(Path file, RuntimeChanges changes, ChangeStamp stamp) {
        this.file = file;
        this.changes = changes;
        this.stamp = stamp;
    }

    /**
     * The state file's changes (none without a file or when it does not exist yet). A file
     * that cannot be read or understood is an error, never skipped: starting without it
     * would silently undo drains and disables.
     */
    public static RuntimeState load(Path file) throws StateFileException {
        if (file == null) {
            return new RuntimeState(null, RuntimeChanges.NONE, ChangeStamp.NONE);
        }
        StateFile.Contents contents;
        try {
            contents = StateFile.read(file);
        } catch (StateFileException e) {
            LOG.error("the run-time state file cannot be used: {}", e.getMessage());
            throw new StateFileException(e.getMessage() + "; fix it, or move it aside to start without the run-time changes it holds");
        }
        if (contents.flatFormat()) {
            LOG.warn("run-time state file {} is in the flat format of earlier versions: read; the next change rewrites it in format {}",
                    file, StateFile.VERSION);
        }
        if (!contents.changes().pools().isEmpty()) {
            LOG.info("run-time state from {}: {}", file, new String(AdminJson.write(contents.changes().pools()),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        return new RuntimeState(file, contents.changes(), contents.stamp());
    }

    /** Reads and checks the state file as a start would, without logging: for `sluice check`. */
    public static void verify(Path file) throws StateFileException {
        if (file != null) {
            StateFile.read(file);
        }
    }

    /** The file's configuration with the members added and removed at run time: what a generation is built from. */
    public SluiceConfig overlay(SluiceConfig config) {
        RuntimeChanges current = changes;
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        boolean changed = false;
        for (PoolConfig pool : config.pools().values()) {
            PoolChanges poolChanges = current.pool(pool.name());
            if (poolChanges.removed().isEmpty() && poolChanges.added().isEmpty()) {
                pools.put(pool.name(), pool);
                continue;
            }
            List<MemberConfig> members = new ArrayList<>();
            for (MemberConfig member : pool.members()) {
                if (!poolChanges.removed().contains(member.name())) {
                    members.add(member);
                }
            }
            for (Map.Entry<String, AddedMember> added : poolChanges.added().entrySet()) {
                if (members.stream().noneMatch(m -> m.name().equals(added.getKey()))) {
                    AddedMember member = added.getValue();
                    members.add(new MemberConfig(added.getKey(), URI.create(member.url()), member.route() == null ? "" : member.route(),
                            member.weight(), MemberState.ACTIVE));
                }
            }
            pools.put(pool.name(), pool.withMembers(members));
            changed = true;
        }
        if (!changed) {
            return config;
        }
        return new SluiceConfig(config.source(), config.listeners(), config.routes(), pools, config.denyMethods(), config.trustedProxies(),
                config.headers(), config.limits(), config.accessLog(), config.ioThreads(), config.drainTimeout(), config.controlSocket(),
                config.admin(), config.rateLimit(), config.cluster());
    }

    /** Applies the recorded member states and weights to a freshly built generation's pools. */
    public void applyTo(Map<String, Pool> pools) {
        RuntimeChanges current = changes;
        current.pools().forEach((poolName, poolChanges) -> {
            Pool pool = pools.get(poolName);
            poolChanges.members().forEach((memberName, change) -> {
                Member member = pool == null ? null : pool.member(memberName);
                if (member == null) {
                    return; // the member left the config: its run-time state no longer applies
                }
                try {
                    if (change.state() != null) {
                        member.state(MemberState.valueOf(change.state().toUpperCase(Locale.ROOT)));
                    }
                    if (change.weight() != null) {
                        pool.weight(member, change.weight());
                    }
                } catch (RuntimeException e) {
                    LOG.warn("run-time state of pool {} member {} ({}) not applied: {}", poolName, memberName, change, e.getMessage());
                }
            });
        });
    }

    /** The changes now in force (written to the file, if there is one). */
    public RuntimeChanges changes() {
        return changes;
    }

    /** When, where and by whom the changes in force were made. */
    public ChangeStamp stamp() {
        return stamp;
    }

    /** How a change made here is stamped, and who hears of it (a cluster shares both). */
    public void share(java.util.function.Function<String, ChangeStamp> stamper,
                      java.util.function.BiConsumer<RuntimeChanges, ChangeStamp> onChange) {
        this.stamper = stamper;
        this.onChange = onChange;
    }

    /** The changes in force as the state file holds them (what instances of a cluster exchange). */
    public byte[] document() {
        return StateFile.render(changes, stamp);
    }

    /**
     * Makes another instance's changes (a {@link #document()} of its own) the ones in force here,
     * if they are newer than these: checked as a state file is, then written to this instance's
     * state file first, like a change made here; the caller then rebuilds the pools from them.
     * False when they are not newer, not valid, or cannot be written (nothing changed; logged).
     */
    public boolean adopt(byte[] document) {
        StateFile.Contents contents;
        try {
            contents = StateFile.parse(document);
        } catch (IllegalArgumentException e) {
            LOG.error("run-time changes from another instance are not valid here, not applied: {}", e.getMessage());
            return false;
        }
        return adopt(contents.changes(), contents.stamp());
    }

    private boolean adopt(RuntimeChanges next, ChangeStamp madeAt) {
        changeLock.lock();
        try {
            if (!madeAt.isNewerThan(stamp)) {
                return false;
            }
            if (file != null) {
                StateFile.write(file, next, madeAt);
            }
            changes = next;
            stamp = madeAt;
            return true;
        } catch (StateFileException e) {
            LOG.error("the run-time changes made by {} through {} are not applied here: {}", madeAt.by(), madeAt.through(), e.getMessage());
            return false;
        } finally {
            changeLock.unlock();
        }
    }

    /** Taken around one admin change: read {@link #changes()}, {@link #commit} the edit, then apply it to the running pools. */
    ReentrantLock changeLock() {
        return changeLock;
    }

    /**
     * Makes {@code next} the changes in force, after writing it to the state file. If the
     * write fails nothing changes (the file keeps, or is put back to, the current content)
     * and the exception says why.
     */
    void commit(RuntimeChanges next, String user) throws StateFileException {
        if (!changeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("commit outside the change lock");
        }
        ChangeStamp madeAt = stamper.apply(user);
        if (file != null) {
            try {
                StateFile.write(file, next, madeAt);
            } catch (StateFileException.AfterRename e) {
                try {
                    StateFile.write(file, changes, stamp);
                } catch (StateFileException again) {
                    LOG.error("the state file {} now holds a change that was refused and could not be put back: {}", file,
                            again.getMessage());
                }
                throw e;
            }
        }
        changes = next;
        stamp = madeAt;
        onChange.accept(next, madeAt);
    }

    /** Whether the member differs from the file: added through the API, or its state or weight changed. */
    boolean changedAtRunTime(String pool, String member) {
        MemberChanges change = changes.member(pool, member);
        return addedAtRunTime(pool, member) || change != null && (change.state() != null || change.weight() != null);
    }

    /** Whether the member was added through the API rather than listed in the file. */
    boolean addedAtRunTime(String pool, String member) {
        return changes.added(pool, member) != null;
    }
}
