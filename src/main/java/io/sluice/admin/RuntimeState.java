package io.sluice.admin;

import io.sluice.config.MemberConfig;
import io.sluice.config.MemberState;
import io.sluice.config.PoolConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.pool.Member;
import io.sluice.pool.Pool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run-time changes made through the admin (member state and weight, members added and
 * removed), kept apart from the
 * config file: applied to every generation built (so they survive a reload), and written
 * to admin.state-file (so they survive a restart). Keys are "pool|member|state" and
 * "pool|member|weight" in one flat JSON object.
 */
public final class RuntimeState {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeState.class);

    private final Path file;
    private final Map<String, Object> overrides = new TreeMap<>();

    private RuntimeState(Path file) {
        this.file = file;
    }

    /** Loads the state file if there is one; a damaged file is reported and ignored, never fatal. */
    public static RuntimeState load(Path file) {
        RuntimeState state = new RuntimeState(file);
        if (file != null && Files.exists(file)) {
            try {
                state.overrides.putAll(Json.readFlatObject(Files.readString(file, StandardCharsets.UTF_8)));
                LOG.info("run-time state from {}: {}", file, state.overrides);
            } catch (IOException | IllegalArgumentException e) {
                LOG.error("ignoring the run-time state file {}: {}", file, e.getMessage());
            }
        }
        return state;
    }

    /**
     * The file's configuration with the members added and removed at run time: what a
     * generation is built from. Added members are "pool|name|added" = "url route weight".
     */
    public synchronized SluiceConfig overlay(SluiceConfig config) {
        java.util.Map<String, PoolConfig> pools = new java.util.LinkedHashMap<>();
        boolean changed = false;
        for (PoolConfig pool : config.pools().values()) {
            java.util.List<MemberConfig> members = new java.util.ArrayList<>();
            for (MemberConfig member : pool.members()) {
                if (overrides.containsKey(pool.name() + "|" + member.name() + "|removed")) {
                    changed = true;
                } else {
                    members.add(member);
                }
            }
            for (Map.Entry<String, Object> entry : overrides.entrySet()) {
                String[] key = entry.getKey().split("\\|", 3);
                if (key.length == 3 && key[0].equals(pool.name()) && key[2].equals("added")
                        && members.stream().noneMatch(m -> m.name().equals(key[1]))) {
                    String[] value = String.valueOf(entry.getValue()).split(" ", -1);
                    members.add(new MemberConfig(key[1], java.net.URI.create(value[0]), value[1], Integer.parseInt(value[2]), MemberState.ACTIVE));
                    changed = true;
                }
            }
            pools.put(pool.name(), changed ? pool.withMembers(members) : pool);
        }
        if (!changed) {
            return config;
        }
        return new SluiceConfig(config.source(), config.listeners(), config.routes(), pools, config.denyMethods(), config.trustedProxies(),
                config.headers(), config.limits(), config.accessLog(), config.ioThreads(), config.drainTimeout(), config.controlSocket(),
                config.admin(), config.rateLimit());
    }

    synchronized void memberAdded(String pool, MemberConfig member, boolean inFile) {
        overrides.remove(pool + "|" + member.name() + "|removed");
        if (!inFile) {
            overrides.put(pool + "|" + member.name() + "|added", member.url() + " " + member.route() + " " + member.weight());
        }
        save();
    }

    synchronized void memberRemoved(String pool, String member, boolean inFile) {
        overrides.remove(pool + "|" + member + "|added");
        overrides.remove(pool + "|" + member + "|state");
        overrides.remove(pool + "|" + member + "|weight");
        if (inFile) {
            overrides.put(pool + "|" + member + "|removed", Boolean.TRUE);
        }
        save();
    }

    /** Applies the recorded changes to a freshly built generation's pools. */
    public synchronized void applyTo(Map<String, Pool> pools) {
        for (Map.Entry<String, Object> entry : overrides.entrySet()) {
            String[] key = entry.getKey().split("\\|", 3);
            if (key.length == 3 && (key[2].equals("added") || key[2].equals("removed"))) {
                continue; // those shape the config (overlay), they are no member settings
            }
            Pool pool = key.length == 3 ? pools.get(key[0]) : null;
            Member member = pool == null ? null : pool.member(key[1]);
            if (member == null) {
                continue; // the member left the config: its run-time state no longer applies
            }
            try {
                if (key[2].equals("state")) {
                    member.state(MemberState.valueOf(String.valueOf(entry.getValue()).toUpperCase(Locale.ROOT)));
                } else if (key[2].equals("weight")) {
                    pool.weight(member, ((Number) entry.getValue()).intValue());
                }
            } catch (RuntimeException e) {
                LOG.warn("run-time state {} = {} not applied: {}", entry.getKey(), entry.getValue(), e.getMessage());
            }
        }
    }

    synchronized void record(String pool, String member, String what, Object value, Object configured) {
        String key = pool + "|" + member + "|" + what;
        if (value.equals(configured)) {
            overrides.remove(key); // back to what the file says: no longer a run-time change
        } else {
            overrides.put(key, value);
        }
        save();
    }

    /** The run-time value for a member's setting, or null when the config file's stands. */
    synchronized Object override(String pool, String member, String what) {
        return overrides.get(pool + "|" + member + "|" + what);
    }

    private void save() {
        if (file == null) {
            return;
        }
        try {
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, Json.write(overrides) + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.error("cannot write the run-time state file {}: {}", file, e.getMessage());
        }
    }
}
