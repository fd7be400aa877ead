package io.sluice.admin;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * JSON for the admin (Jackson): API responses, request bodies, the state file. Input is
 * untrusted, so reading is strict: one object, no duplicate keys, no unknown fields, no
 * coercion between types (a weight of "3" or 2.5 is refused), bounded depth and lengths,
 * and every refusal says which field and why, without a stack trace.
 */
final class AdminJson {
    /** The largest request body the API reads (a member change is a few dozen bytes). */
    static final int MAX_REQUEST_BYTES = 4096;

    static final ObjectMapper MAPPER = mapper();
    private static final ObjectWriter COMPACT = MAPPER.writer().with(new HtmlSafeEscapes());
    private static final ObjectWriter PRETTY = MAPPER.writer(pretty()).with(new HtmlSafeEscapes());

    private AdminJson() {
    }

    private static ObjectMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(MAX_REQUEST_BYTES).maxNumberLength(20).build());
        // a number or boolean where text belongs is a mistake, not something to stringify
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        return mapper;
    }

    private static DefaultPrettyPrinter pretty() {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n"); // the same file on every platform
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        return printer;
    }

    /** A response body: maps, lists, strings, numbers, booleans and null as JSON; anything else as its text. */
    static byte[] write(Object value) {
        try {
            return COMPACT.writeValueAsBytes(plain(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The same, indented for people (the state file). */
    static byte[] writeIndented(Object value) {
        try {
            return PRETTY.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<Object, Object>) map).forEach((key, item) -> out.put(String.valueOf(key), plain(item)));
            return out;
        }
        if (value instanceof Collection<?> collection) {
            List<Object> out = new ArrayList<>(collection.size());
            collection.forEach(item -> out.add(plain(item)));
            return out;
        }
        if (value.getClass().isRecord()) {
            return MAPPER.valueToTree(value);
        }
        if (value.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                out.add(plain(Array.get(value, i)));
            }
            return out;
        }
        return value.toString();
    }

    /** A request body as {@code type}; {@link BadJson} says what is wrong in words a caller can act on. */
    static <T> T readRequest(byte[] body, Class<T> type) {
        if (body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw new BadJson("the body is empty: send one JSON object");
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw new BadJson(describe(e, type));
        }
    }

    /** What is wrong with a document, naming the field (a.b.c) where there is one. */
    static String describe(IOException e, Class<?> type) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream().map(String::valueOf)
                    .sorted().collect(Collectors.joining(", "));
            return "unknown field \"" + field(unknown) + "\"" + (known.isEmpty() ? "" : " (known: " + known + ")");
        }
        if (e instanceof MismatchedInputException mismatch) {
            String field = field(mismatch);
            if (field.isEmpty()) {
                String message = mismatch.getOriginalMessage();
                if (message != null && message.startsWith("Trailing token")) {
                    return "text after the JSON object" + at(mismatch.getLocation());
                }
                return "expected one JSON object" + (type.isRecord() && type.getRecordComponents().length > 0
                        ? " with " + java.util.Arrays.stream(type.getRecordComponents()).map(c -> c.getName())
                                .collect(Collectors.joining(", ")) : "") + at(mismatch.getLocation());
            }
            return "field \"" + field + "\" must be " + expected(mismatch.getTargetType()) + at(mismatch.getLocation());
        }
        if (e instanceof JsonMappingException mapping) {
            String field = field(mapping);
            if (mapping.getCause() instanceof InputCoercionException && !field.isEmpty()) {
                return "field \"" + field + "\" must be a whole number, and this one is out of range" + at(mapping.getLocation());
            }
            return (field.isEmpty() ? "" : "field \"" + field + "\": ") + firstLine(mapping.getOriginalMessage()) + at(mapping.getLocation());
        }
        if (e instanceof StreamReadException read) {
            String message = read.getOriginalMessage();
            if (message != null && message.startsWith("Duplicate field '")) {
                String name = message.substring("Duplicate field '".length(), message.indexOf('\'', "Duplicate field '".length()));
                return "field \"" + name + "\" appears twice" + at(read.getLocation());
            }
            JsonParser parser = read.getProcessor();
            String field = parser != null && parser.getParsingContext() != null ? parser.getParsingContext().getCurrentName() : null;
            if (message != null && message.startsWith("Numeric value") && field != null) {
                return "field \"" + field + "\" must be " + expected(Integer.class) + at(read.getLocation());
            }
            return "not valid JSON" + at(read.getLocation()) + ": " + firstLine(message);
        }
        return "cannot read JSON: " + firstLine(e.getMessage());
    }

    private static String field(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** The first line of Jackson's message, without its pointers into Jackson's own API. */
    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).replaceAll(", from `[^`]*`", "");
    }

    /** A request body that is not what the API takes; the message is for the caller. */
    static final class BadJson extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadJson(String message) {
            super(message);
        }
    }

    /** No HTML in a JSON answer, even where a client renders it by mistake: &lt; &gt; &amp; are written as \\u escapes. */
    private static final class HtmlSafeEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] escapes;

        HtmlSafeEscapes() {
            escapes = CharacterEscapes.standardAsciiEscapesForJSON();
            escapes['<'] = CharacterEscapes.ESCAPE_STANDARD;
            escapes['>'] = CharacterEscapes.ESCAPE_STANDARD;
            escapes['&'] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
