package io.sluice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The packages depend on each other in one direction only: jdeps reads the compiled classes,
 * and no io.sluice package may reach itself again through others.
 */
class PackageCyclesTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+(io\\.sluice[\\w.]*)\\s+->\\s+(io\\.sluice[\\w.]*)\\s", Pattern.MULTILINE);

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        Path classes = Path.of("target", "classes");
        assertTrue(Files.isDirectory(classes), "compile first: " + classes.toAbsolutePath());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:package", "-filter:none",
                "-e", "io\\.sluice.*", classes.toString());
        assertEquals(0, exit, out.toString());
        Map<String, Set<String>> uses = new TreeMap<>();
        Matcher edge = EDGE.matcher(out.toString());
        while (edge.find()) {
            if (!edge.group(1).equals(edge.group(2))) {
                uses.computeIfAbsent(edge.group(1), key -> new TreeSet<>()).add(edge.group(2));
            }
        }
        assertTrue(uses.size() > 5, "jdeps gave no package dependencies:\n" + out);
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            List<String> path = cycleThrough(start, uses);
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertEquals(List.of(), cycles);
    }

    /** A path from {@code start} back to itself, or null. */
    private static List<String> cycleThrough(String start, Map<String, Set<String>> uses) {
        Map<String, String> cameFrom = new HashMap<>();
        List<String> queue = new ArrayList<>(uses.getOrDefault(start, Set.of()));
        queue.forEach(next -> cameFrom.put(next, start));
        Set<String> seen = new HashSet<>(queue);
        for (int i = 0; i < queue.size(); i++) {
            String at = queue.get(i);
            if (at.equals(start)) {
                List<String> path = new ArrayList<>(List.of(start));
                for (String step = cameFrom.get(start); !step.equals(start); step = cameFrom.get(step)) {
                    path.add(0, step);
                }
                path.add(0, start);
                return path;
            }
            for (String next : uses.getOrDefault(at, Set.of())) {
                if (seen.add(next)) {
                    cameFrom.put(next, at);
                    queue.add(next);
                }
            }
        }
        return null;
    }
}
