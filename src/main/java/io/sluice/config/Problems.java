package io.sluice.config;

import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.List;

/** Collects problems while a configuration is read, so that all of them are reported at once. */
final class Problems {
    private final List<Problem> found = new ArrayList<>();

    void add(ConfigOrigin origin, String path, String message, String hint) {
        found.add(new Problem(Problem.locate(origin), path, message, hint));
    }

    boolean isEmpty() {
        return found.isEmpty();
    }

    void throwIfAny() throws ConfigException {
        if (!found.isEmpty()) {
            throw new ConfigException(found);
        }
    }
}
