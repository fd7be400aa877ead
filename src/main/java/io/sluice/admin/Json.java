package io.sluice.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Just enough JSON for the admin API: writing values, and reading a flat request object. */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String text) {
            quote(out, text);
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> entry : ((Map<String, Object>) map).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(out, entry.getKey());
                out.append(':');
                write(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(out, list.get(i));
            }
            out.append(']');
        } else {
            quote(out, value.toString());
        }
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>') { // < > escaped: never HTML in a JSON answer
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Reads {"key": "string" | number | true | false | null, ...}; anything else is an error. */
    static Map<String, Object> readFlatObject(String text) {
        Map<String, Object> result = new LinkedHashMap<>();
        int[] at = {skip(text, 0)};
        expect(text, at, '{');
        if (peek(text, at) == '}') {
            at[0]++;
            return result;
        }
        while (true) {
            String key = readString(text, at);
            expect(text, at, ':');
            result.put(key, readValue(text, at));
            char next = peek(text, at);
            at[0]++;
            if (next == '}') {
                if (skip(text, at[0]) != text.length()) {
                    throw new IllegalArgumentException("text after the object");
                }
                return result;
            }
            if (next != ',') {
                throw new IllegalArgumentException("expected , or } at " + (at[0] - 1));
            }
        }
    }

    private static Object readValue(String text, int[] at) {
        char c = peek(text, at);
        if (c == '"') {
            return readString(text, at);
        }
        int start = at[0];
        while (at[0] < text.length() && ",} \t\r\n".indexOf(text.charAt(at[0])) < 0) {
            at[0]++;
        }
        String word = text.substring(start, at[0]);
        at[0] = skip(text, at[0]);
        switch (word) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "null":
                return null;
            default:
                try {
                    return Long.parseLong(word);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a JSON value: " + word);
                }
        }
    }

    private static String readString(String text, int[] at) {
        expect(text, at, '"');
        StringBuilder out = new StringBuilder();
        while (at[0] < text.length()) {
            char c = text.charAt(at[0]++);
            if (c == '"') {
                at[0] = skip(text, at[0]);
                return out.toString();
            }
            if (c == '\\' && at[0] < text.length()) {
                char escaped = text.charAt(at[0]++);
                switch (escaped) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(text.substring(at[0], at[0] + 4), 16));
                        at[0] += 4;
                    }
                    default -> out.append(escaped);
                }
            } else {
                out.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated string");
    }

    private static void expect(String text, int[] at, char wanted) {
        if (peek(text, at) != wanted) {
            throw new IllegalArgumentException("expected " + wanted + " at " + at[0]);
        }
        at[0] = skip(text, at[0] + 1);
    }

    private static char peek(String text, int[] at) {
        at[0] = skip(text, at[0]);
        if (at[0] >= text.length()) {
            throw new IllegalArgumentException("unexpected end");
        }
        return text.charAt(at[0]);
    }

    private static int skip(String text, int at) {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
        return at;
    }
}
