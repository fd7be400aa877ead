package io.sluice.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sluice.admin.RuntimeChanges.AddedMember;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The members a generation is built from: the file's, less those removed, plus those added at run time. */
class RuntimeStateTest {
    @TempDir
    Path dir;

    private SluiceConfig config() throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, """
                sluice {
                  listeners = [ { name = http, bind = "127.0.0.1:0" } ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools {
                    app { members = [ { url = "http://10.0.0.1:80", route = a }, { url = "http://10.0.0.2:80", route = b } ] }
                    other { members = [ { url = "http://10.0.0.9:80", route = z } ] }
                  }
                  admin { bind = "", state-file = state.json }
                }
                """);
        return ConfigLoader.load(file);
    }

    private RuntimeState state(RuntimeChanges changes) throws Exception {
        Path file = dir.resolve("state.json");
        StateFile.write(file, changes, ChangeStamp.NONE);
        return RuntimeState.load(file);
    }

    private static List<String> members(SluiceConfig config, String pool) {
        return config.pools().get(pool).members().stream().map(m -> m.name() + "=" + m.url() + "/" + m.route() + "/" + m.weight()).toList();
    }

    @Test
    void withoutMembershipChangesTheFilesConfigurationIsUsedAsIs() throws Exception {
        SluiceConfig config = config();
        assertSame(config, state(RuntimeChanges.NONE.withState("app", "a", "draining").withWeight("app", "b", 5)).overlay(config));
    }

    @Test
    void removedMembersLeaveAndAddedOnesJoinAfterTheFilesOwn() throws Exception {
        SluiceConfig config = config();
        RuntimeChanges changes = RuntimeChanges.NONE
                .withRemoved("app", "a", true)
                .withAdded("app", "c", new AddedMember("http://10.0.0.3:80", "c", 2))
                .withAdded("app", "d", new AddedMember("http://10.0.0.4:80", "", 1));
        SluiceConfig overlaid = state(changes).overlay(config);
        assertEquals(List.of("b=http://10.0.0.2:80/b/1", "c=http://10.0.0.3:80/c/2", "d=http://10.0.0.4:80//1"), members(overlaid, "app"));
        assertSame(config.pools().get("other"), overlaid.pools().get("other"), "a pool without changes is the file's");
        assertEquals(config.listeners(), overlaid.listeners());
    }

    /** A member of the file removed, then added again under its name with another URL: the added one serves. */
    @Test
    void aRemovedFileMemberAddedAgainTakesItsNewSettings() throws Exception {
        RuntimeChanges changes = RuntimeChanges.NONE.withRemoved("app", "a", true)
                .withAdded("app", "a", new AddedMember("http://10.0.0.7:80", "a", 3));
        assertEquals(List.of("b=http://10.0.0.2:80/b/1", "a=http://10.0.0.7:80/a/3"), members(state(changes).overlay(config()), "app"));
        // and removed again: gone, and still gone after the run-time entry is dropped
        RuntimeChanges again = changes.withRemoved("app", "a", false);
        assertEquals(List.of("b=http://10.0.0.2:80/b/1"), members(state(again).overlay(config()), "app"));
    }

    @Test
    void aMemberAddedUnderTheNameOfOneStillInTheFileDoesNotReplaceIt() throws Exception {
        RuntimeChanges changes = RuntimeChanges.NONE.withAdded("app", "b", new AddedMember("http://10.0.0.8:80", "b", 1));
        assertEquals(List.of("a=http://10.0.0.1:80/a/1", "b=http://10.0.0.2:80/b/1"), members(state(changes).overlay(config()), "app"));
    }
}
