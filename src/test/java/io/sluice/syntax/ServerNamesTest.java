package io.sluice.syntax;

import io.sluice.syntax.ServerNames;
import io.sluice.syntax.Authority;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServerNamesTest {
    private final ServerNames names = new ServerNames(List.of("sso.example.com", "*.example.org", "10.0.0.5", "[fd00::5]"));

    @Test
    void exactWildcardAndAddressMatchIgnoringCasePortAndTrailingDot() {
        for (String host : List.of("sso.example.com", "SSO.EXAMPLE.COM", "sso.example.com:443", "sso.example.com.", "sso.example.com.:8443",
                "a.example.org", "a.b.example.org", "10.0.0.5", "10.0.0.5:80", "[fd00::5]", "[fd00::5]:443")) {
            assertTrue(names.matches(host), host);
        }
    }

    @Test
    void othersDoNot() {
        for (String host : List.of("example.org", "xexample.org", "sso.example.com.evil", "evil.sso.example.com", "10.0.0.50", "[fd00::6]", "")) {
            assertFalse(names.matches(host), host);
        }
        assertFalse(names.matches(null));
        assertTrue(new ServerNames(List.of()).matches(null), "no server-names: anything (Host is checked separately)");
    }

    @Test
    void authoritySyntax() {
        for (String ok : List.of("x", "sso.example.com", "sso.example.com:443", "10.0.0.1:1", "[::1]", "[::1]:8080", "a_b-c.~!$&'()*+,;=", "%41b")) {
            assertTrue(Authority.isValid(ok), ok);
        }
        for (String bad : List.of("", "user@x", "x/y", "x y", "x?y", "x#y", "x:", "x:port", "x:65536", "x:123456", ":80", "[::1", "[x]",
                "[::1]x", "%4", "%zz", "h\u00e9", "x\r\n")) {
            assertFalse(Authority.isValid(bad), bad);
        }
    }

    @Test
    void configuredNamesAreChecked() {
        assertNull(ServerNames.problem("sso.example.com"));
        assertNull(ServerNames.problem("*.example.com"));
        assertNull(ServerNames.problem("[fd00::5]"));
        assertEquals("a wildcard is written *.example.com", ServerNames.problem("*example.com"));
        assertEquals("not a host name or IP address (no scheme, port or path)", ServerNames.problem("sso.example.com/x"));
    }
}
