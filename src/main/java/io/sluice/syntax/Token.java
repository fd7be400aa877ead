package io.sluice.syntax;

/**
 * RFC 9110's token characters ({@code tchar}): what a field name, a method or a chunk
 * extension name may be made of. One table shared by every HTTP/1.1 parser in Sluice (the
 * client side's strict framing, the backend connection's response head).
 */
public final class Token {
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private Token() {
    }

    /** Whether the byte (0-255, as read with {@code & 0xff}) is a tchar. */
    public static boolean isTchar(int b) {
        return TCHAR[b];
    }
}
