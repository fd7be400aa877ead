package io.sluice.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrefixRewriteTest {

    @ParameterizedTest(name = "{0} -> {1} on {2} gives {3}")
    @CsvSource(delimiter = '|', value = {
            // from the brief
            "/app/        | /       | /app/x              | /x",
            "/app         | /       | /app/x              | /x",
            "/apim-token  | /token  | /apim-token         | /token",
            "/apim-token  | /token  | /apim-token/a       | /token/a",
            "/is-         | /       | /is-commonauth      | /commonauth",
            "/is-         | /       | /is-                | /",
            "/x           | /y/     | /x/a                | /y/a",
            "/x           | /y      | /xa                 | /ya",
            // empty remainders never give an empty path
            "/app         | /       | /app                | /",
            "/app/        | /       | /app/               | /",
            "/            | /       | /                   | /",
            // seed routes
            "/apim-t      | /t      | /apim-t/carbon.super/x | /t/carbon.super/x",
            "/apim-oauth2/authorize | /oauth2/authorize | /apim-oauth2/authorize/x | /oauth2/authorize/x",
            "/is-samlsso  | /samlsso | /is-samlsso        | /samlsso",
            "/is-         | /       | /is-authenticationendpoint/login.do | /authenticationendpoint/login.do",
            // remainder byte for byte: parameters, escapes, double slashes
            "/app/        | /ctx/   | /app/a;jsessionid=X.n1/b%20c | /ctx/a;jsessionid=X.n1/b%20c",
            "/app         | /ctx    | /app;jsessionid=X.n1 | /ctx;jsessionid=X.n1",
            "/app         | /       | /app//x             | //x",   // one '/' is the join, the other the client's
            "/app/        | /       | /app//x             | //x",   // the client's '//' after a '/'-ended prefix
            "/app         | /b/     | /app//x             | /b//x",
            // adding a prefix
            "/            | /ctx/   | /x                  | /ctx/x",
            "/            | /ctx/   | /                   | /ctx/",
            "/api         | /ctx/api | /api/v1            | /ctx/api/v1",
    })
    void rewritesLikeProxyPass(String prefix, String replacement, String path, String expected) {
        assertEquals(expected, new PrefixRewrite(prefix, replacement).apply(path));
    }

    @Test
    void nullReplacementKeepsTheSameInstance() {
        String path = new String("/is-commonauth");
        assertSame(path, new PrefixRewrite("/is-", null).apply(path));
    }

    @Test
    void identicalReplacementKeepsTheSameInstance() {
        String path = new String("/app//x;p=1");
        assertSame(path, new PrefixRewrite("/app/", "/app/").apply(path));
        assertSame(path, new PrefixRewrite("/app", "/app").apply(path));
    }

    @Test
    void refusesPathsOutsideThePrefix() {
        PrefixRewrite r = new PrefixRewrite("/is-", "/");
        assertThrows(IllegalArgumentException.class, () -> r.apply("/apim-token"));
    }

    @Test
    void refusesAReplacementThatWouldLoseTheSlash() {
        // /app/x would become /bx
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PrefixRewrite("/app/", "/b"));
        assertTrue(e.getMessage().contains("/b"));
        assertThrows(IllegalArgumentException.class, () -> new PrefixRewrite("/", "/ctx"));
    }

    @ParameterizedTest(name = "prefix {0}, replacement {1} refused")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "NULL     | /",
            "''       | /",
            "app      | /",
            "/app     | ''",
            "/app     | x",
            "/app     | /a/../b",
            "/a/..    | /",
            "/app     | /x?y=1",
            "/app?    | /",
            "/app#    | /",
            "/%61pp   | /",       // not normalised: would never match a SafePath result
            "/app     | /%2e%2e/",
            "/app     | /a%2Fb",
            "/a\\b    | /",
    })
    void refusesUnsafeOrUnnormalisedConfig(String prefix, String replacement) {
        assertThrows(IllegalArgumentException.class, () -> new PrefixRewrite(prefix, replacement));
    }
}
