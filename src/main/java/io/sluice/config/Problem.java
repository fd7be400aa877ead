package io.sluice.config;

import com.typesafe.config.ConfigOrigin;

/**
 * One mistake found in a configuration file, located for the operator.
 *
 * @param location "file:line", or the file alone when no line is known
 * @param path     the config path in error, e.g. {@code sluice.pools.is.members[0].url}
 * @param message  what is wrong, as a sentence
 * @param hint     what to do about it, or null
 */
public record Problem(String location, String path, String message, String hint) {

    static String locate(ConfigOrigin origin) {
        if (origin == null) {
            return "<unknown>";
        }
        String file = origin.filename() != null ? origin.filename()
                : origin.resource() != null ? origin.resource()
                : origin.url() != null ? origin.url().toString() : origin.description();
        return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
    }

    /** The form printed by {@code sluice check} and logged by {@code sluice run}. */
    public String render() {
        StringBuilder out = new StringBuilder(location).append(": ");
        if (path != null && !path.isEmpty()) {
            out.append(path).append(": ");
        }
        out.append(message);
        if (hint != null) {
            out.append("\n    hint: ").append(hint);
        }
        return out.toString();
    }
}
