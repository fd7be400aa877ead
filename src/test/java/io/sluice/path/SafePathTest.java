package io.sluice.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SafePathTest {

    @ParameterizedTest(name = "{0} unchanged")
    @ValueSource(strings = {
            "/",
            "/is-commonauth",
            "/authenticationendpoint/login.do",
            "/a/",
            "/shop;jsessionid=ABC123.node1/cart",  // path parameters kept
            "/a;jsessionid=abc.node1",
            "/x/...",                              // three dots is a name, not a dot-segment
            "/x/.../y",
            "/x/..a/.b/a./a..",
            "/.well-known/openid-configuration",
            "/a/%20%3A%40%25",                      // upper-case escapes of other bytes
            "/caf%C3%A9",                           // UTF-8 bytes stay encoded
            "/%C4%80",                              // continuation byte 0x80 is not a control char
            "/a/;x/b",                              // empty name with parameters
            "/a;../b",                              // '..' inside parameters is not a segment name
            "/%25",
            "/%3F",
            "/t/carbon.super/api",
    })
    void keepsSafePathsAsTheSameInstance(String raw) {
        SafePath.Result r = SafePath.normalize(raw);
        assertTrue(r.ok(), () -> raw + " rejected: " + r.rejection());
        assertSame(raw, r.path());
        assertNull(r.rejection());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/%61pi                 | /api",
            "/a//b                  | /a/b",       // slashes merged, as Tomcat resolves them
            "//                     | /",
            "//carbon/admin         | /carbon/admin",
            "/a///b//               | /a/b/",
            "/%41%5a%30%2D%2e%5F%7E | /AZ0-._~",
            "/a%2db                 | /a-b",
            "/%7euser               | /~user",
            "/a%3fb                 | /a%3Fb",      // reserved stays encoded, hex upper-cased
            "/caf%c3%a9             | /caf%C3%A9",
            "/a%20b                 | /a%20b",
            "/x%2e.y                | /x..y",       // not a whole segment
            "/%2e%2e%2e             | /...",
            "/%2ex                  | /.x",
            "/a;p=%2e%2e/b          | /a;p=../b",   // dots in parameters are not a segment name
            "/a%3bx                 | /a%3Bx",
            "/%25%32%46             | /%252F",      // the backend decodes once: a literal "%2F"
    })
    void decodesUnreservedAndUppercasesTheRest(String raw, String expected) {
        SafePath.Result r = SafePath.normalize(raw);
        assertTrue(r.ok(), () -> raw + " rejected: " + r.rejection());
        assertEquals(expected, r.path());
    }

    @ParameterizedTest(name = "{0} rejected")
    @ValueSource(strings = {
            // dot-segments, plain, encoded, mixed case, with parameters
            "/..", "/.", "/a/..", "/a/.", "/../a", "/./a", "/a/../b", "/a/./b",
            "/a/..;x/b", "/a/.;/b", "/a/..;/b", "/a/.;jsessionid=x", "/..;",
            "/%2e%2e/", "/%2E%2E/x", "/.%2E/", "/%2e./", "/%2e/", "/a/%2e", "/a/.%2e",
            "/%2e%2e;x/secret", "/a/..%3Bx/b", "/a/..%3b/b", "/a/.%3B",
            // encoded separators
            "/a%2Fb", "/a%2fb", "/%2F", "/..%2F", "/%2e%2e%2f", "/a%5Cb", "/a%5cb",
            // raw backslash
            "/a\\b", "/..\\x", "\\",
            // NUL and controls, raw and encoded
            "/a%00b", "/%00", "/a\u0000b", "/a\tb", "/a\nb", "/a\rb", "/a%0d%0aSet-Cookie:x",
            "/a%1F", "/a%7F", "/a\u007F", "/a b",
            // malformed escapes
            "/a%", "/a%2", "/a%zz", "/a%g0", "/%%", "/a%2-",
            // not absolute
            "", "a", "*", "a/b", "http://h/x", "%2F",
    })
    void rejectsEverythingThatCouldEscapeThePrefix(String raw) {
        SafePath.Result r = SafePath.normalize(raw);
        assertFalse(r.ok(), () -> raw + " accepted as " + r.path());
        assertNull(r.path());
        assertTrue(r.rejection() != null && !r.rejection().isEmpty());
        assertFalse(raw.length() > 2 && r.rejection().contains(raw), "reasons must not echo input");
    }

    @Test
    void rejectsNull() {
        assertFalse(SafePath.normalize(null).ok());
    }

    @Test
    void givesSpecificReasons() {
        assertSame(SafePath.DOT_SEGMENT, SafePath.normalize("/a/..;x/b"));
        assertSame(SafePath.DOT_SEGMENT, SafePath.normalize("/%2e%2e/"));
        assertSame(SafePath.ENCODED_SEPARATOR, SafePath.normalize("/a%2fb"));
        assertSame(SafePath.ENCODED_SEPARATOR, SafePath.normalize("/a%5Cb"));
        assertSame(SafePath.BACKSLASH, SafePath.normalize("/a\\b"));
        assertSame(SafePath.ENCODED_NUL, SafePath.normalize("/a%00"));
        assertSame(SafePath.ENCODED_CONTROL, SafePath.normalize("/a%0A"));
        assertSame(SafePath.RAW_CONTROL, SafePath.normalize("/a\u0001"));
        assertSame(SafePath.MALFORMED_ESCAPE, SafePath.normalize("/a%zz"));
        assertSame(SafePath.MALFORMED_ESCAPE, SafePath.normalize("/a%"));
        assertSame(SafePath.NOT_ABSOLUTE, SafePath.normalize("a"));
    }

    @Test
    void resultHasExactlyOneSide() {
        assertThrows(IllegalArgumentException.class, () -> new SafePath.Result(null, null));
        assertThrows(IllegalArgumentException.class, () -> new SafePath.Result("/", "x"));
        assertTrue(new SafePath.Result("/", null).ok());
        assertFalse(new SafePath.Result(null, "x").ok());
    }

    @Test
    void acceptedPathsNeverContainATraversalForTomcat() {
        // Whatever is accepted, Tomcat's view (strip ;params per segment, decode) has no
        // '.'/'..' segment and no separator that was not already a raw '/'.
        String[] pieces = {"/", ".", "..", "%2e", "%2E", ";", ";x", "%3B", "a", "%2f", "%5c", "\\", "%00", "%", "%41"};
        int[] idx = new int[5];
        StringBuilder sb = new StringBuilder();
        int total = (int) Math.pow(pieces.length, idx.length);
        for (int k = 0; k < total; k++) {
            sb.setLength(0);
            sb.append('/');
            for (int j = 0, v = k; j < idx.length; j++, v /= pieces.length) {
                sb.append(pieces[v % pieces.length]);
            }
            String raw = sb.toString();
            SafePath.Result r = SafePath.normalize(raw);
            if (r.ok()) {
                assertFalse(tomcatSeesTraversal(r.path()), () -> raw + " -> " + r.path());
                assertTrue(r.path().indexOf('\\') < 0 && !r.path().toUpperCase().contains("%2F")
                        && !r.path().toUpperCase().contains("%5C"), raw);
            }
        }
    }

    /** Tomcat: strip ";..." per segment, then percent-decode, then look for dot-segments. */
    private static boolean tomcatSeesTraversal(String path) {
        for (String seg : path.split("/", -1)) {
            int semi = seg.indexOf(';');
            String name = semi < 0 ? seg : seg.substring(0, semi);
            String decoded = name.replace("%2E", ".").replace("%2e", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest(name = "routing view of {0} is {1}")
    @CsvSource(delimiter = '|', value = {
            "/carbon/admin                     | /carbon/admin",
            "/carbon;x/admin                   | /carbon/admin",
            "/;x/carbon                        | /carbon",
            "/a;jsessionid=abc.node1           | /a",
            "/is-commonauth;jsessionid=A.n1/x  | /is-commonauth/x",
            "/a/;x                             | /a/",
            "/;x                               | /",
    })
    void routingViewDropsPathParametersAsTomcatDoes(String normalized, String expected) {
        assertEquals(expected, SafePath.routingPath(normalized));
    }

    @Test
    void routingViewOfAPathWithoutParametersIsTheSameInstance() {
        String path = "/is-commonauth/x";
        assertSame(path, SafePath.routingPath(path));
    }
}
