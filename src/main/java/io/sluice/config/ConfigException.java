package io.sluice.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a configuration, reported together so one run shows them all. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    /** The problems in the order of the file (by file, then line); ones found at the same line keep their order. */
    public ConfigException(List<Problem> problems) {
        this(inFileOrder(problems), true);
    }

    private ConfigException(List<Problem> sorted, boolean unused) {
        super(sorted.stream().map(Problem::render).collect(Collectors.joining("\n")), null, false, false);
        this.problems = sorted;
    }

    private static List<Problem> inFileOrder(List<Problem> problems) {
        return problems.stream().sorted(java.util.Comparator.comparing((Problem p) -> file(p.location()))
                .thenComparingInt(p -> line(p.location()))).toList();
    }

    private static String file(String location) {
        int colon = location.lastIndexOf(':');
        return colon > 0 && line(location) >= 0 ? location.substring(0, colon) : location;
    }

    /** The line of "file:line", or -1 when the location names no line. */
    private static int line(String location) {
        int colon = location.lastIndexOf(':');
        if (colon < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(location.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public List<Problem> problems() {
        return problems;
    }
}
