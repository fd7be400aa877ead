package io.sluice.syntax;

import io.sluice.syntax.LogEscape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class LogEscapeTest {
    private static String escape(String text) {
        return LogEscape.append(new StringBuilder(), text).toString();
    }

    @Test
    void plainTextIsKept() {
        assertEquals("GET /is-commonauth?x=1&y=%0A HTTP/1.1", escape("GET /is-commonauth?x=1&y=%0A HTTP/1.1"));
        StringBuilder out = new StringBuilder();
        assertSame(out, LogEscape.append(out, null));
        assertEquals("", out.toString());
    }

    @Test
    void controlsDelQuoteBackslashAndNonAsciiBecomeHex() {
        assertEquals("a\\x0D\\x0Ab\\x00\\x09c\\x1F", escape("a\r\nb\u0000\tc\u001f"));
        assertEquals("\\x7F\\x22\\x5C", escape("\u007f\"\\"));
        assertEquals("caf\\xE9", escape("caf\u00e9"));              // obs-text byte, as Undertow decodes it
        assertEquals("\\xE2\\x82\\xAC \\xF0\\x9F\\x98\\x80", escape("\u20ac \uD83D\uDE00")); // UTF-8 bytes of other characters
    }
}
