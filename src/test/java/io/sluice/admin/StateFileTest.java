package io.sluice.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.admin.RuntimeChanges.AddedMember;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The state file: format 1 round trip, the flat format of earlier versions, damaged files, durable writes. */
class StateFileTest {
    @TempDir
    Path dir;

    static RuntimeChanges sample() {
        return RuntimeChanges.NONE
                .withState("is", "is1", "draining")
                .withWeight("is", "is1", 3)
                .withWeight("is", "is4", 7)
                .withAdded("is", "is3", new AddedMember("http://10.0.0.13:9763", "is3", 2))
                .withRemoved("is", "is2", true)
                .withState("apim", "gw1", "disabled");
    }

    private static StateFile.Contents parse(String text) {
        return StateFile.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void format1RoundTrips() {
        RuntimeChanges changes = sample();
        String text = new String(StateFile.render(changes, ChangeStamp.NONE), StandardCharsets.UTF_8);
        assertEquals("""
                {
                  "version": 1,
                  "pools": {
                    "apim": {
                      "members": {
                        "gw1": {
                          "state": "disabled"
                        }
                      }
                    },
                    "is": {
                      "members": {
                        "is1": {
                          "state": "draining",
                          "weight": 3
                        },
                        "is4": {
                          "weight": 7
                        }
                      },
                      "added": {
                        "is3": {
                          "url": "http://10.0.0.13:9763",
                          "route": "is3",
                          "weight": 2
                        }
                      },
                      "removed": [
                        "is2"
                      ]
                    }
                  }
                }
                """, text);
        StateFile.Contents read = parse(text);
        assertEquals(changes, read.changes());
        assertFalse(read.flatFormat());
    }

    @Test
    void changesSetBackToTheFilesValuesLeaveNothing() {
        RuntimeChanges back = sample().withState("apim", "gw1", null).withState("is", "is1", null).withWeight("is", "is1", null)
                .withWeight("is", "is4", null).withRemoved("is", "is3", false);
        assertEquals(List.of("is"), List.copyOf(back.pools().keySet()), "is2 stays removed");
        assertEquals(RuntimeChanges.NONE, RuntimeChanges.NONE.withState("is", "is1", "draining").withState("is", "is1", null));
        assertEquals("{\n  \"version\": 1,\n  \"pools\": { }\n}\n", new String(StateFile.render(RuntimeChanges.NONE, ChangeStamp.NONE), StandardCharsets.UTF_8));
        assertEquals(RuntimeChanges.NONE, parse("{\"version\":1,\"pools\":{}}").changes());
        assertEquals(RuntimeChanges.NONE, parse("{\"version\":1}").changes());
    }

    @Test
    void theFlatFormatOfEarlierVersionsIsReadAndTheNextWriteReplacesIt() throws Exception {
        Path file = dir.resolve("state.json");
        Files.writeString(file, "{\"apim|gw1|state\":\"disabled\",\"is|is1|state\":\"draining\",\"is|is1|weight\":3,\"is|is2|removed\":true,"
                + "\"is|is3|added\":\"http://10.0.0.13:9763 is3 2\",\"is|is4|weight\":7}\n");
        StateFile.Contents old = StateFile.read(file);
        assertTrue(old.flatFormat());
        assertEquals(sample(), old.changes());
        RuntimeState state = RuntimeState.load(file);
        assertEquals(sample(), state.changes());
        state.changeLock().lock();
        try {
            state.commit(state.changes().withWeight("is", "is4", 8), "test");
        } finally {
            state.changeLock().unlock();
        }
        String text = Files.readString(file);
        assertTrue(text.startsWith("{\n  \"version\": 1,"), text);
        StateFile.Contents migrated = StateFile.read(file);
        assertFalse(migrated.flatFormat());
        assertEquals(sample().withWeight("is", "is4", 8), migrated.changes());
        // an empty old file, and an added member without a route
        assertEquals(RuntimeChanges.NONE, parse("{}\n").changes());
        assertEquals(new AddedMember("http://10.0.0.5:80", "", 1), parse("{\"p|m|added\":\"http://10.0.0.5:80  1\"}").changes().added("p", "m"));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '~', value = {
        "{\"version\":1,\"pools\":{\"is\":{\"members\":{\"is1\":{\"state\":\"drai => not valid JSON",
        "~~ => empty",
        "[] => expected a JSON object, found array",
        "{\"version\":2,\"pools\":{}} => format version 2 is not one this Sluice reads (1)",
        "{\"version\":\"1\",\"pools\":{}} => format version \"1\" is not one",
        "{\"version\":1,\"version\":1} => field \"version\" appears twice",
        "{\"version\":1,\"pools\":{},\"extra\":1} => unknown field \"extra\"",
        "{\"version\":1,\"pools\":{\"is\":{\"members\":{\"is1\":{\"state\":\"drainin\"}}}}} => pools.is.members.is1.state: \"drainin\" is not active",
        "{\"version\":1,\"pools\":{\"is\":{\"members\":{\"is1\":{\"weight\":0}}}}} => pools.is.members.is1.weight: 0 is not from 1 to 100",
        "{\"version\":1,\"pools\":{\"is\":{\"members\":{\"is1\":{\"weight\":\"3\"}}}}} => field \"pools.is.members.is1.weight\" must be a whole number",
        "{\"version\":1,\"pools\":{\"is\":{\"members\":{\"is1\":{\"wieght\":3}}}}} => unknown field \"pools.is.members.is1.wieght\"",
        "{\"version\":1,\"pools\":{\"is\":{\"members\":{\"is1\":null}}}} => pools.is.members.is1: a member needs a name and an object",
        "{\"version\":1,\"pools\":{\"is\":{\"added\":{\"is3\":{\"url\":\"ftp://x\",\"route\":\"\",\"weight\":1}}}}} => pools.is.added.is3.url",
        "{\"version\":1,\"pools\":{\"is\":{\"added\":{\"is3\":{\"url\":\"http://x:1\",\"route\":\"\"}}}}} => pools.is.added.is3.weight: missing",
        "{\"version\":1,\"pools\":{\"is\":{\"removed\":\"is2\"}}} => field \"pools.is.removed\" must be an array",
        "{\"is|is1|state\":\"drainin\"} => \"is|is1|state\": \"drainin\" is not active",
        "{\"is|is1|weight\":\"3\"} => \"is|is1|weight\": expected a whole number",
        "{\"is|is3|added\":\"http://x:1 r\"} => \"is|is3|added\": expected \"url route weight\"",
        "{\"is|is2|removed\":false} => \"is|is2|removed\": expected true",
        "{\"is|is1|colour\":\"red\"} => \"is|is1|colour\": \"colour\" is not state, weight, added or removed",
        "{\"pools\":{}} => \"pools\": neither format 1",
    })
    void aDamagedFileIsAnErrorThatSaysWhere(String text, String expected) {
        String message = assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
        assertTrue(message.startsWith(expected), message);
    }

    @Test
    void loadingADamagedFileFailsWithTheFileAndTheReason() throws Exception {
        Path file = dir.resolve("state.json");
        byte[] good = StateFile.render(sample(), ChangeStamp.NONE);
        Files.write(file, java.util.Arrays.copyOf(good, good.length / 2)); // what a torn write would leave
        String message = assertThrows(StateFileException.class, () -> RuntimeState.load(file)).getMessage();
        assertTrue(message.startsWith(file + ": not valid JSON (line "), message);
        assertTrue(message.endsWith("move it aside to start without the run-time changes it holds"), message);
        Files.delete(file);
        Files.createDirectory(file);
        assertTrue(assertThrows(StateFileException.class, () -> RuntimeState.load(file)).getMessage().startsWith(file + ": not a regular file"));
        assertEquals(RuntimeChanges.NONE, RuntimeState.load(dir.resolve("absent.json")).changes(), "no file yet: no changes");
    }

    @Test
    void aWriteReplacesTheFileWholeAndLeavesNoTemporary() throws Exception {
        Path file = dir.resolve("state.json");
        StateFile.write(file, sample(), ChangeStamp.NONE);
        assertArrayEquals(StateFile.render(sample(), ChangeStamp.NONE), Files.readAllBytes(file));
        StateFile.write(file, RuntimeChanges.NONE, ChangeStamp.NONE);
        assertEquals(RuntimeChanges.NONE, StateFile.read(file).changes());
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    /** Works as root too: a directory where the temporary file goes cannot be opened for writing by anyone. */
    @Test
    void aFailedWriteChangesNothingAndSaysWhy() throws Exception {
        Path file = dir.resolve("state.json");
        RuntimeState state = RuntimeState.load(file);
        ReentrantLock lock = state.changeLock();
        lock.lock();
        try {
            state.commit(RuntimeChanges.NONE.withState("is", "is1", "draining"), "test");
            byte[] before = Files.readAllBytes(file);
            Files.createDirectories(dir.resolve("state.json.tmp").resolve("blocker"));
            StateFileException e = assertThrows(StateFileException.class, () -> state.commit(state.changes().withState("is", "is1", "disabled"), "test"));
            assertEquals("cannot write the state file " + file + ": " + dir.resolve("state.json.tmp") + ": Is a directory", e.getMessage());
            assertEquals("draining", state.changes().member("is", "is1").state(), "not applied in memory");
            assertArrayEquals(before, Files.readAllBytes(file), "the file is untouched");
        } finally {
            lock.unlock();
        }
        assertThrows(IllegalStateException.class, () -> state.commit(RuntimeChanges.NONE, "test"), "only under the change lock");
    }
}
