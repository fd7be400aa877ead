package io.sluice.admin;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.admin.RuntimeChanges.AddedMember;
import io.sluice.admin.RuntimeChanges.MemberChanges;
import io.sluice.admin.RuntimeChanges.PoolChanges;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The admin state file (admin.state-file), format 1:
 * <pre>
 * {"version": 1, "pools": {"is": {"members": {"is1": {"state": "draining", "weight": 3}},
 *                                  "added": {"is3": {"url": "http://10.0.0.13:9763", "route": "is3", "weight": 1}},
 *                                  "removed": ["is2"]}}}
 * </pre>
 * The flat {"pool|member|state": ...} object of earlier versions is still read; the next
 * write replaces it with format 1. Reading is strict (a file that is not exactly one of the
 * two is an error, never ignored). Writing is durable: a temporary file beside it is written
 * and forced to disk, renamed over the file, and the directory is forced so the rename
 * itself survives a crash (how Linux makes a rename durable).
 */
final class StateFile {
    static final int VERSION = 1;
    /** No legitimate state file comes near this; a bigger one is not read into memory. */
    private static final long MAX_BYTES = 16L * 1024 * 1024;

    private StateFile() {
    }

    /** What a file held, and whether it was in the flat format of earlier versions. */
    record Contents(RuntimeChanges changes, ChangeStamp stamp, boolean flatFormat) {
    }

    /** The file: format version, the stamp of the last change (absent before the first, and in files of earlier versions), the changes. */
    @JsonPropertyOrder({"version", "changed", "pools"})
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Document(Integer version, ChangeStamp changed, SortedMap<String, PoolChanges> pools) {
    }

    /** The file's changes; none when there is no file. A file that cannot be read or understood is an error. */
    static Contents read(Path file) throws StateFileException {
        if (!Files.exists(file)) {
            return new Contents(RuntimeChanges.NONE, ChangeStamp.NONE, false);
        }
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) {
                throw new StateFileException(file + ": not a regular file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new StateFileException(file + ": over " + MAX_BYTES / (1024 * 1024) + " MiB, not a state file Sluice wrote");
            }
            bytes = Files.readAllBytes(file);
        } catch (StateFileException e) {
            throw e;
        } catch (IOException e) {
            throw new StateFileException(file + ": cannot read it: " + reason(e));
        }
        try {
            return parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new StateFileException(file + ": " + e.getMessage());
        }
    }

    /** Format 1, or the flat format; IllegalArgumentException says what is wrong and where. */
    static Contents parse(byte[] bytes) {
        JsonNode root;
        try {
            root = AdminJson.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(AdminJson.describe(e, Document.class));
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException("empty: a state file Sluice wrote is never empty (a crash cannot leave it so)");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, found " + root.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        if (!root.has("version")) {
            return new Contents(flat((ObjectNode) root), ChangeStamp.NONE, true);
        }
        JsonNode version = root.get("version");
        if (!version.isInt() || version.intValue() != VERSION) {
            throw new IllegalArgumentException("format version " + version + " is not one this Sluice reads (" + VERSION
                    + "): was it written by a newer Sluice?");
        }
        Document document;
        try {
            document = AdminJson.MAPPER.readValue(bytes, Document.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(AdminJson.describe(e, Document.class));
        }
        RuntimeChanges changes = new RuntimeChanges(document.pools());
        check(document.pools() == null ? Map.of() : document.pools());
        return new Contents(changes, document.changed() == null ? ChangeStamp.NONE : document.changed(), false);
    }

    private static void check(Map<String, PoolChanges> pools) {
        for (Map.Entry<String, PoolChanges> pool : pools.entrySet()) {
            String at = "pools." + pool.getKey();
            if (pool.getKey().isEmpty() || pool.getValue() == null) {
                throw new IllegalArgumentException(at + ": a pool needs a name and an object");
            }
            for (Map.Entry<String, MemberChanges> member : pool.getValue().members().entrySet()) {
                String where = at + ".members." + member.getKey();
                if (member.getKey().isEmpty() || member.getValue() == null) {
                    throw new IllegalArgumentException(where + ": a member needs a name and an object");
                }
                checkState(where + ".state", member.getValue().state());
                if (member.getValue().weight() != null) {
                    checkWeight(where + ".weight", member.getValue().weight());
                }
            }
            for (Map.Entry<String, AddedMember> added : pool.getValue().added().entrySet()) {
                String where = at + ".added." + added.getKey();
                AddedMember member = added.getValue();
                if (!RuntimeChanges.MEMBER_NAME.matcher(added.getKey()).matches()) {
                    throw new IllegalArgumentException(where + ": a member name is 1 to 64 letters, digits and - _ . :");
                }
                if (member == null || member.url() == null || RuntimeChanges.origin(member.url()) == null) {
                    throw new IllegalArgumentException(where + ".url: expected an http:// or https:// origin");
                }
                if (member.route() != null && !RuntimeChanges.ROUTE.matcher(member.route()).matches()) {
                    throw new IllegalArgumentException(where + ".route: up to 64 letters, digits and - _ .");
                }
                if (member.weight() == null) {
                    throw new IllegalArgumentException(where + ".weight: missing");
                }
                checkWeight(where + ".weight", member.weight());
            }
            for (String removed : pool.getValue().removed()) {
                if (removed == null || removed.isEmpty()) {
                    throw new IllegalArgumentException(at + ".removed: a member name is never empty");
                }
            }
        }
    }

    private static void checkState(String where, String state) {
        if (state != null && !List.of("active", "draining", "disabled", "standby").contains(state)) {
            throw new IllegalArgumentException(where + ": \"" + state + "\" is not active, draining, disabled or standby");
        }
    }

    private static void checkWeight(String where, long weight) {
        if (!RuntimeChanges.validWeight(weight)) {
            throw new IllegalArgumentException(where + ": " + weight + " is not from " + RuntimeChanges.MIN_WEIGHT + " to "
                    + RuntimeChanges.MAX_WEIGHT);
        }
    }

    /**
     * The flat format of earlier versions: "pool|member|state" = "draining", "pool|member|weight" = 3,
     * "pool|member|added" = "url route weight", "pool|member|removed" = true.
     */
    private static RuntimeChanges flat(ObjectNode root) {
        SortedMap<String, SortedMap<String, MemberChanges>> members = new TreeMap<>();
        SortedMap<String, SortedMap<String, AddedMember>> added = new TreeMap<>();
        SortedMap<String, java.util.SortedSet<String>> removed = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String[] key = entry.getKey().split("\\|", -1);
            JsonNode value = entry.getValue();
            if (key.length != 3 || key[0].isEmpty() || key[1].isEmpty()) {
                throw new IllegalArgumentException("\"" + entry.getKey() + "\": neither format " + VERSION
                        + " (it has no \"version\") nor the flat \"pool|member|what\" format of earlier versions");
            }
            String where = "\"" + entry.getKey() + "\"";
            switch (key[2]) {
                case "state" -> {
                    if (!value.isTextual()) {
                        throw new IllegalArgumentException(where + ": expected a string");
                    }
                    checkState(where, value.textValue());
                    members.computeIfAbsent(key[0], k -> new TreeMap<>()).merge(key[1], new MemberChanges(value.textValue(), null),
                            (a, b) -> new MemberChanges(b.state(), a.weight()));
                }
                case "weight" -> {
                    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                        throw new IllegalArgumentException(where + ": expected a whole number");
                    }
                    checkWeight(where, value.intValue());
                    members.computeIfAbsent(key[0], k -> new TreeMap<>()).merge(key[1], new MemberChanges(null, value.intValue()),
                            (a, b) -> new MemberChanges(a.state(), b.weight()));
                }
                case "added" -> {
                    String[] parts = value.isTextual() ? value.textValue().split(" ", -1) : new String[0];
                    if (parts.length != 3 || RuntimeChanges.origin(parts[0]) == null || !RuntimeChanges.ROUTE.matcher(parts[1]).matches()
                            || !parts[2].matches("[0-9]{1,3}") || !RuntimeChanges.MEMBER_NAME.matcher(key[1]).matches()) {
                        throw new IllegalArgumentException(where + ": expected \"url route weight\"");
                    }
                    checkWeight(where, Integer.parseInt(parts[2]));
                    added.computeIfAbsent(key[0], k -> new TreeMap<>()).put(key[1], new AddedMember(parts[0], parts[1], Integer.parseInt(parts[2])));
                }
                case "removed" -> {
                    if (!value.isBoolean() || !value.booleanValue()) {
                        throw new IllegalArgumentException(where + ": expected true");
                    }
                    removed.computeIfAbsent(key[0], k -> new java.util.TreeSet<>()).add(key[1]);
                }
                default -> throw new IllegalArgumentException(where + ": \"" + key[2] + "\" is not state, weight, added or removed");
            }
        }
        SortedMap<String, PoolChanges> pools = new TreeMap<>();
        java.util.Set<String> names = new java.util.TreeSet<>(members.keySet());
        names.addAll(added.keySet());
        names.addAll(removed.keySet());
        for (String pool : names) {
            pools.put(pool, new PoolChanges(members.get(pool), added.get(pool), removed.get(pool)));
        }
        return new RuntimeChanges(pools);
    }

    /** Format 1, indented, with a final newline. */
    static byte[] render(RuntimeChanges changes, ChangeStamp stamp) {
        byte[] json = AdminJson.writeIndented(new Document(VERSION, stamp.equals(ChangeStamp.NONE) ? null : stamp, changes.pools()));
        byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
        out[json.length] = '\n';
        return out;
    }

    /**
     * Replaces the file with {@code changes}, durably: when this returns, the new content is
     * on disk and a crash at any moment leaves either the old file or the new one, whole.
     */
    static void write(Path file, RuntimeChanges changes, ChangeStamp stamp) throws StateFileException {
        byte[] bytes = render(changes, stamp);
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = directory.resolve(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary); // a partial temporary file serves nobody
            } catch (IOException ignored) {
                // the write already failed; that is what the caller hears about
            }
            throw new StateFileException("cannot write the state file " + file + ": " + reason(e));
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StateFileException("cannot replace the state file " + file + ": " + reason(e));
        }
        // The rename lives in the directory: without forcing it, a power cut can bring back
        // the old file after the API said yes. (Linux fsync on a directory opened read-only.)
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new StateFileException.AfterRename("the state file " + file + " was replaced but its directory " + directory
                    + " could not be synced: " + reason(e));
        }
    }

    /** An I/O failure in words: the file and the operating system's reason. */
    static String reason(IOException e) {
        if (e instanceof FileSystemException fs) {
            String why = fs.getReason();
            if (why == null) {
                why = e instanceof AccessDeniedException ? "permission denied"
                        : e instanceof NoSuchFileException ? "no such file or directory"
                        : e instanceof NotDirectoryException ? "not a directory"
                        : e.getClass().getSimpleName();
            }
            return (fs.getFile() == null ? "" : fs.getFile() + ": ") + why;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
