package io.sluice.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The changes made through the admin, as one immutable value: per pool, members whose state
 * or weight differ from the file, members added and members removed. An edit returns a
 * new value, so a change can be written to disk before anything running sees it. Pools
 * without changes are left out, so two values with the same changes are equal.
 */
public record RuntimeChanges(SortedMap<String, PoolChanges> pools) {
    public static final RuntimeChanges NONE = new RuntimeChanges(null);

    /** A member name given through the API (a name from the config file may be anything the file allows). */
    static final Pattern MEMBER_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    static final Pattern ROUTE = Pattern.compile("[A-Za-z0-9._-]{0,64}");
    static final int MIN_WEIGHT = 1;
    static final int MAX_WEIGHT = 100;

    public RuntimeChanges {
        SortedMap<String, PoolChanges> kept = new TreeMap<>();
        if (pools != null) {
            pools.forEach((name, pool) -> {
                if (pool != null && !pool.nothing()) {
                    kept.put(name, pool);
                }
            });
        }
        pools = Collections.unmodifiableSortedMap(kept);
    }

    /** One pool's changes; absent sections are empty. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"members", "added", "removed"})
    public record PoolChanges(SortedMap<String, MemberChanges> members, SortedMap<String, AddedMember> added, SortedSet<String> removed) {
        static final PoolChanges NONE = new PoolChanges(null, null, null);

        public PoolChanges {
            SortedMap<String, MemberChanges> changed = new TreeMap<>();
            if (members != null) {
                members.forEach((name, member) -> {
                    if (member == null || !member.nothing()) {
                        changed.put(name, member); // a null entry is kept for the file check to report
                    }
                });
            }
            members = Collections.unmodifiableSortedMap(changed);
            added = Collections.unmodifiableSortedMap(added == null ? new TreeMap<>() : new TreeMap<>(added));
            removed = Collections.unmodifiableSortedSet(removed == null ? new TreeSet<>() : new TreeSet<>(removed));
        }

        @JsonIgnore
        boolean nothing() {
            return members.isEmpty() && added.isEmpty() && removed.isEmpty();
        }
    }

    /** A member's run-time state (a config name: active, draining, disabled, standby) and weight; null where the file's stands. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"state", "weight"})
    public record MemberChanges(String state, Integer weight) {
        @JsonIgnore
        boolean nothing() {
            return state == null && weight == null;
        }
    }

    /** A member added through the API: its origin URL, route (jvmRoute, may be "") and weight. */
    @JsonPropertyOrder({"url", "route", "weight"})
    public record AddedMember(String url, String route, Integer weight) {
    }

    PoolChanges pool(String pool) {
        return pools.getOrDefault(pool, PoolChanges.NONE);
    }

    /** The member's run-time state and weight, or null when it has none. */
    MemberChanges member(String pool, String member) {
        return pool(pool).members().get(member);
    }

    AddedMember added(String pool, String member) {
        return pool(pool).added().get(member);
    }

    /** The member's state set at run time ({@code null}: back to the file's). */
    RuntimeChanges withState(String pool, String member, String state) {
        return withMember(pool, member, old -> new MemberChanges(state, old.weight()));
    }

    /** The member's weight set at run time ({@code null}: back to the file's). */
    RuntimeChanges withWeight(String pool, String member, Integer weight) {
        return withMember(pool, member, old -> new MemberChanges(old.state(), weight));
    }

    private RuntimeChanges withMember(String pool, String member, UnaryOperator<MemberChanges> edit) {
        PoolChanges old = pool(pool);
        SortedMap<String, MemberChanges> members = new TreeMap<>(old.members());
        members.put(member, edit.apply(members.getOrDefault(member, new MemberChanges(null, null))));
        return with(pool, new PoolChanges(members, old.added(), old.removed()));
    }

    /**
     * A member added at run time. A member of the file with the same name that was removed
     * stays removed: the added one takes its place.
     */
    RuntimeChanges withAdded(String pool, String member, AddedMember added) {
        PoolChanges old = pool(pool);
        SortedMap<String, AddedMember> members = new TreeMap<>(old.added());
        members.put(member, added);
        return with(pool, new PoolChanges(old.members(), members, old.removed()));
    }

    /** A member removed at run time: what was added or changed for it goes; one from the file is remembered as removed. */
    RuntimeChanges withRemoved(String pool, String member, boolean inFile) {
        PoolChanges old = pool(pool);
        SortedMap<String, MemberChanges> members = new TreeMap<>(old.members());
        members.remove(member);
        SortedMap<String, AddedMember> added = new TreeMap<>(old.added());
        added.remove(member);
        SortedSet<String> removed = new TreeSet<>(old.removed());
        if (inFile) {
            removed.add(member);
        }
        return with(pool, new PoolChanges(members, added, removed));
    }

    private RuntimeChanges with(String pool, PoolChanges changes) {
        SortedMap<String, PoolChanges> next = new TreeMap<>(pools);
        next.put(pool, changes);
        return new RuntimeChanges(next);
    }

    static boolean validWeight(long weight) {
        return weight >= MIN_WEIGHT && weight <= MAX_WEIGHT;
    }

    /** http(s)://host:port with the port spelled out, or null when {@code url} is not such an origin (a path, query or user is refused). */
    static URI origin(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return null;
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null
                || (uri.getRawPath() != null && uri.getRawPath().length() > 1)) {
            return null;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        return URI.create(uri.getScheme() + "://" + uri.getHost() + ":" + port);
    }
}
