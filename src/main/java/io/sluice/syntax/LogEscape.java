package io.sluice.syntax;

/**
 * Escapes client-controlled text for the access log the way NGINX's default
 * {@code escape=default} does: control characters (below 0x20), DEL and everything above
 * 0x7e, {@code "} and {@code \} are written as {@code \xHH} (characters above 0xff as the
 * \xHH of their UTF-8 bytes), so a line is always plain ASCII and no field can end a line,
 * close a quoted field or forge another field. Text that needs no escaping is appended as
 * it is, without copying.
 */
public final class LogEscape {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LogEscape() {
    }

    public static StringBuilder append(StringBuilder out, String text) {
        if (text == null) {
            return out;
        }
        int length = text.length();
        int clean = 0;
        while (clean < length && isPlain(text.charAt(clean))) {
            clean++;
        }
        if (clean == length) {
            return out.append(text);
        }
        out.append(text, 0, clean);
        for (int i = clean; i < length; i++) {
            char c = text.charAt(i);
            if (isPlain(c)) {
                out.append(c);
            } else if (c <= 0xff) {
                hex(out, c);
            } else {
                int codePoint = Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))
                        ? Character.toCodePoint(c, text.charAt(++i)) : c;
                for (byte b : new String(Character.toChars(codePoint)).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    hex(out, b & 0xff);
                }
            }
        }
        return out;
    }

    private static boolean isPlain(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }

    private static void hex(StringBuilder out, int b) {
        out.append('\\').append('x').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
}
