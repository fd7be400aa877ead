package io.sluice.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** SipHash-2-4 against the reference implementation's test vectors (key 00..0f, message 00..n-1). */
class SessionKeysTest {
    private static final SessionKeys REFERENCE_KEY = SessionKeys.of(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    /** The message bytes 00, 01, ... n-1 as UTF-16LE characters (n even). */
    private static String bytes(int n) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i += 2) {
            text.append((char) (i | (i + 1) << 8));
        }
        return text.toString();
    }

    @Test
    void matchesTheReferenceVectors() {
        assertEquals(0x726fdb47dd0e0e31L, REFERENCE_KEY.key("", 0, 0));
        assertEquals(0x93f5f5799a932462L, REFERENCE_KEY.key(bytes(8), 0, 4));
        assertEquals(0x3f2acc7f57c29bdbL, REFERENCE_KEY.key(bytes(16), 0, 8));
    }

    @Test
    void aRangeIsHashedAsItsOwnString() {
        String cookie = "JSESSIONID=8A1F02C4D3E55B6C7D8E9F0A1B2C3D4E; Path=/";
        assertEquals(REFERENCE_KEY.key("8A1F02C4D3E55B6C7D8E9F0A1B2C3D4E", 0, 32), REFERENCE_KEY.key(cookie, 11, 43));
    }

    @Test
    void anotherKeyGivesAnotherHash() {
        assertNotEquals(REFERENCE_KEY.key("abc", 0, 3), SessionKeys.of(1, 2).key("abc", 0, 3));
    }
}
