package io.sluice.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Request bodies are untrusted: every malformed one is refused with a message naming what is wrong. */
class AdminJsonTest {
    private static AdminApi.MemberChange change(String json) {
        return AdminJson.readRequest(json.getBytes(StandardCharsets.UTF_8), AdminApi.MemberChange.class);
    }

    private static String refusal(String json) {
        return assertThrows(AdminJson.BadJson.class, () -> change(json)).getMessage();
    }

    @Test
    void aChangeIsRead() {
        assertEquals(new AdminApi.MemberChange("draining", 3), change("{\"state\":\"draining\",\"weight\":3}"));
        assertEquals(new AdminApi.MemberChange(null, 7), change(" {\"weight\" : 7}\n"));
        assertEquals(new AdminApi.MemberChange("active", null), change("{\"state\":\"active\",\"weight\":null}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"state\":\"draining\",\"state\":\"active\"}  | field \"state\" appears twice",
        "{\"stat\":\"draining\"}                        | unknown field \"stat\" (known: state, weight)",
        "{\"weight\":\"3\"}                             | field \"weight\" must be a whole number",
        "{\"weight\":2.5}                               | field \"weight\" must be a whole number",
        "{\"weight\":true}                              | field \"weight\" must be a whole number",
        "{\"weight\":99999999999}                       | field \"weight\" must be a whole number",
        "{\"weight\":[3]}                               | field \"weight\" must be a whole number",
        "{\"state\":3}                                  | field \"state\" must be a string",
        "{\"state\":false}                              | field \"state\" must be a string",
        "{\"state\":{\"a\":1}}                          | field \"state\" must be a string",
        "[{\"state\":\"draining\"}]                     | expected one JSON object with state, weight",
        "\"draining\"                                   | expected one JSON object with state, weight",
        "{\"state\":\"draining\"} {}                    | text after the JSON object",
        "{\"state\":\"draining\"                        | not valid JSON",
        "{'state':'draining'}                           | not valid JSON",
        "{\"weight\":NaN}                               | not valid JSON",
        "{\"weight\":03}                                | not valid JSON",
        "~   ~                                          | the body is empty",
    })
    void aBadBodyIsRefusedWithTheReason(String json, String expected) {
        String message = refusal(json);
        assertTrue(message.startsWith(expected), message);
        assertTrue(!message.contains("com.fasterxml") && !message.contains("\n"), message);
    }

    @Test
    void deepNestingAndLongStringsAreRefused() {
        String deep = "{\"state\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        assertTrue(refusal(deep).contains("state"), refusal(deep));
        String tooLong = "{\"state\":\"" + "x".repeat(AdminJson.MAX_REQUEST_BYTES + 1) + "\"}";
        assertTrue(refusal(tooLong).startsWith("field \"state\": String value length (4097) exceeds the maximum allowed (4096)"),
                refusal(tooLong));
    }

    @Test
    void aNewMemberAndAnEmptyObjectAreRead() {
        assertEquals(new AdminApi.NewMember(null, "http://10.0.0.3:80", "c", 2), AdminJson.readRequest(
                "{\"url\":\"http://10.0.0.3:80\",\"route\":\"c\",\"weight\":2}".getBytes(StandardCharsets.UTF_8), AdminApi.NewMember.class));
        assertEquals(new AdminApi.NoFields(), AdminJson.readRequest("{}".getBytes(StandardCharsets.UTF_8), AdminApi.NoFields.class));
        String message = assertThrows(AdminJson.BadJson.class, () -> AdminJson.readRequest("{\"force\":true}".getBytes(StandardCharsets.UTF_8),
                AdminApi.NoFields.class)).getMessage();
        assertTrue(message.startsWith("unknown field \"force\""), message);
    }

    @Test
    void responsesAreJsonWithoutHtml() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "<script>&\"x\"\n");
        value.put("weight", 3);
        value.put("effectiveWeight", 1.5);
        value.put("healthy", true);
        value.put("lastCheck", null);
        value.put("modes", List.of("route", "learn"));
        value.put("path", java.nio.file.Path.of("/etc/sluice"));
        value.put("array", new String[] {"a"});
        assertEquals("{\"name\":\"\\u003Cscript\\u003E\\u0026\\\"x\\\"\\n\",\"weight\":3,\"effectiveWeight\":1.5,\"healthy\":true,"
                + "\"lastCheck\":null,\"modes\":[\"route\",\"learn\"],\"path\":\"/etc/sluice\",\"array\":[\"a\"]}",
                new String(AdminJson.write(value), StandardCharsets.UTF_8));
    }
}
