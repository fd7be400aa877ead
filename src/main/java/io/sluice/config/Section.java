package io.sluice.config;

import com.typesafe.config.ConfigException.BadValue;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigException.WrongType;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One HOCON object being read into a record: the site's values laid over the defaults
 * from reference.conf. Unknown keys are reported when the section is opened; a value
 * of the wrong type is reported where it is read, and the default stands in for it so
 * that reading goes on and every problem of the file is found in one pass.
 */
final class Section {
    private final ConfigObject site;
    private final ConfigObject values;
    private final ConfigObject defaults;
    private final String path;
    private final ConfigOrigin origin;
    private final Problems problems;

    private Section(ConfigObject site, ConfigObject values, ConfigObject defaults, String path, ConfigOrigin origin, Problems problems) {
        this.site = site;
        this.values = values;
        this.defaults = defaults;
        this.path = path;
        this.origin = origin;
        this.problems = problems;
    }

    static Section open(ConfigObject site, ConfigObject defaults, String path, Problems problems) {
        for (Map.Entry<String, ConfigValue> entry : site.entrySet()) {
            if (!defaults.containsKey(entry.getKey())) {
                problems.add(entry.getValue().origin(), path + "." + entry.getKey(), "unknown key \"" + entry.getKey() + "\"",
                        DidYouMean.hint(entry.getKey(), new TreeSet<>(defaults.keySet())));
            }
        }
        return new Section(site, site.withFallback(defaults), defaults, path, site.origin(), problems);
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path + "." + key;
    }

    ConfigOrigin origin() {
        return origin;
    }

    /** Where a key's value was written, or the section itself when the key was left out. */
    ConfigOrigin origin(String key) {
        ConfigValue written = site.get(key);
        return written != null ? written.origin() : origin;
    }

    /** Whether the site's file wrote this key (as opposed to inheriting the default). */
    boolean isSet(String key) {
        return site.containsKey(key);
    }

    /** Whether the site's file gave this key a value other than null (null keeps an inherited value). */
    boolean isGiven(String key) {
        ConfigValue written = site.get(key);
        return written != null && written.valueType() != ConfigValueType.NULL;
    }

    void error(String key, String message, String hint) {
        problems.add(origin(key), key == null ? path : path(key), message, hint);
    }

    Problems problems() {
        return problems;
    }

    String string(String key) {
        ConfigValue value = values.get(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            return "";
        }
        return switch (value.valueType()) {
            case STRING, NUMBER, BOOLEAN -> String.valueOf(value.unwrapped()).trim();
            default -> {
                wrongType(key, value, "a string");
                yield "";
            }
        };
    }

    boolean bool(String key) {
        ConfigValue value = values.get(key);
        try {
            return values.toConfig().getBoolean(key);
        } catch (WrongType | BadValue e) {
            wrongType(key, value, "on or off");
            return defaults.toConfig().getBoolean(key);
        }
    }

    int integer(String key, int min, int max) {
        ConfigValue value = values.get(key);
        int number;
        try {
            number = values.toConfig().getInt(key);
        } catch (WrongType | BadValue e) {
            wrongType(key, value, "a whole number");
            return fallbackInteger(key, min);
        }
        if (number < min || number > max) {
            error(key, "must be between " + min + " and " + max + ", not " + number, null);
            return fallbackInteger(key, min);
        }
        return number;
    }

    /** What reading goes on with after a bad value: the default, or the minimum where the default is null ("inherit"). */
    private int fallbackInteger(String key, int min) {
        ConfigValue fallback = defaults.get(key);
        return fallback == null || fallback.valueType() == ConfigValueType.NULL ? min : defaults.toConfig().getInt(key);
    }

    Duration duration(String key) {
        ConfigValue value = values.get(key);
        try {
            Duration duration = values.toConfig().getDuration(key);
            if (duration.isNegative()) {
                error(key, "must not be negative", null);
                return defaults.toConfig().getDuration(key);
            }
            return duration;
        } catch (WrongType | BadValue e) {
            wrongType(key, value, "a duration such as 500ms, 5s, 2m or 1h");
            return defaults.toConfig().getDuration(key);
        }
    }

    /** A size in bytes such as 64KiB or 10MiB; -1 when the value is "unlimited". */
    long bytesOrUnlimited(String key) {
        ConfigValue value = values.get(key);
        if (value != null && value.valueType() == ConfigValueType.STRING && "unlimited".equals(value.unwrapped())) {
            return -1;
        }
        try {
            long bytes = values.toConfig().getBytes(key);
            if (bytes <= 0) {
                error(key, "must be a positive size or \"unlimited\"", null);
                return -1;
            }
            return bytes;
        } catch (WrongType | BadValue e) {
            wrongType(key, value, "a size such as 64KiB or 10MiB, or \"unlimited\"");
            return -1;
        }
    }

    long bytes(String key) {
        ConfigValue value = values.get(key);
        try {
            long bytes = values.toConfig().getBytes(key);
            if (bytes <= 0) {
                error(key, "must be a positive size", null);
                return defaults.toConfig().getBytes(key);
            }
            return bytes;
        } catch (WrongType | BadValue e) {
            wrongType(key, value, "a size such as 8KiB or 64KiB");
            return defaults.toConfig().getBytes(key);
        }
    }

    List<String> strings(String key) {
        ConfigValue value = values.get(key);
        List<String> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        if (value.valueType() != ConfigValueType.LIST) {
            wrongType(key, value, "a list such as [a, b]");
            return result;
        }
        for (ConfigValue element : (ConfigList) value) {
            switch (element.valueType()) {
                case STRING, NUMBER, BOOLEAN -> result.add(String.valueOf(element.unwrapped()).trim());
                default -> problems.add(element.origin(), path(key), "list elements must be strings, found " + describe(element), null);
            }
        }
        return result;
    }

    /** A nested object with its own defaults; unknown keys inside are reported. */
    Section section(String key) {
        ConfigObject nestedDefaults = (ConfigObject) defaults.get(key);
        ConfigValue written = site.get(key);
        if (written != null && written.valueType() == ConfigValueType.OBJECT) {
            return open((ConfigObject) written, nestedDefaults, path(key), problems);
        }
        if (written != null) {
            wrongType(key, written, "an object { ... }");
        }
        return new Section(ConfigFactory.empty().root(), nestedDefaults, nestedDefaults, path(key), origin, problems);
    }

    /** Elements of a list of objects, each opened over the given element defaults. */
    List<Section> sections(String key, ConfigObject elementDefaults) {
        ConfigValue value = values.get(key);
        List<Section> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        if (value.valueType() != ConfigValueType.LIST) {
            wrongType(key, value, "a list of objects [ { ... }, { ... } ]");
            return result;
        }
        int index = 0;
        for (ConfigValue element : (ConfigList) value) {
            String elementPath = path(key) + "[" + index++ + "]";
            if (element.valueType() != ConfigValueType.OBJECT) {
                problems.add(element.origin(), elementPath, "expected an object { ... }, found " + describe(element), null);
                continue;
            }
            result.add(open((ConfigObject) element, elementDefaults, elementPath, problems));
        }
        return result;
    }

    /** The members of a map-shaped object (pools { a {...}, b {...} }), each over element defaults. */
    Map<String, Section> namedSections(String key, ConfigObject elementDefaults) {
        return namedSections(key, (name, written) -> elementDefaults);
    }

    /** The site's own object for {@code key}, before defaults: what the file wrote there, or null. */
    ConfigObject written(String key) {
        ConfigValue value = site.get(key);
        return value instanceof ConfigObject object ? object : null;
    }

    /**
     * The members of a map-shaped object, each over the defaults {@code defaultsFor} gives
     * for its name and what the file wrote for it (a pool's profile chooses its defaults).
     */
    Map<String, Section> namedSections(String key, java.util.function.BiFunction<String, ConfigObject, ConfigObject> defaultsFor) {
        ConfigValue value = values.get(key);
        Map<String, Section> result = new java.util.LinkedHashMap<>();
        if (value == null) {
            return result;
        }
        if (value.valueType() != ConfigValueType.OBJECT) {
            wrongType(key, value, "an object of named entries { name { ... } }");
            return result;
        }
        // in the order of the file (a ConfigObject keeps none): logs, check, the API and the page read as it is written
        List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(((ConfigObject) value).entrySet());
        entries.sort(java.util.Comparator.comparingInt((Map.Entry<String, ConfigValue> entry) -> entry.getValue().origin().lineNumber())
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, ConfigValue> entry : entries) {
            String entryPath = path(key) + "." + entry.getKey();
            if (entry.getValue().valueType() != ConfigValueType.OBJECT) {
                problems.add(entry.getValue().origin(), entryPath, "expected an object { ... }, found " + describe(entry.getValue()), null);
                continue;
            }
            ConfigObject written = (ConfigObject) entry.getValue();
            result.put(entry.getKey(), open(written, defaultsFor.apply(entry.getKey(), written), entryPath, problems));
        }
        return result;
    }

    ConfigObject defaultsOf(String key) {
        return (ConfigObject) values.get(key);
    }

    private void wrongType(String key, ConfigValue value, String expected) {
        problems.add(value != null ? value.origin() : origin, path(key), "expected " + expected + ", found " + describe(value), null);
    }

    private static String describe(ConfigValue value) {
        if (value == null) {
            return "nothing";
        }
        return switch (value.valueType()) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            case NULL -> "null";
            case STRING -> "\"" + value.unwrapped() + "\"";
            default -> String.valueOf(value.unwrapped());
        };
    }
}
