package io.sluice.backend;

import io.sluice.syntax.Token;
import io.undertow.client.ClientResponse;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;

/**
 * Reads an HTTP/1.1 response head (or a chunked body's trailer section) the way a proxy
 * needs it, strictly. Two steps: {@link #scan} follows the bytes as they arrive (any split
 * across reads) to find where the head ends, checking every byte on the way with one table
 * lookup (CRLF only, no control characters); {@link #parseHead} then reads the complete
 * head from the same array, once.
 *
 * <p>Header names Undertow knows (its {@link Headers} constants) are looked up in a static
 * table, case-insensitively, so no name is allocated for them; values become strings
 * straight from the bytes (ISO-8859-1). Refused, as {@link MalformedResponseException}: a
 * status line that is not {@code HTTP/1.x NNN[ reason]}, a bare LF or CR, a header name
 * that is not a token (whitespace before the colon included), an obs-fold line, control
 * characters in a value or the reason, Content-Length that is not digits or differs from
 * another, Content-Length with Transfer-Encoding, chunked twice or not last, and a head
 * larger than the limit. One parser per backend connection; not thread-safe.
 */
final class ResponseHeadParser {
    static final int NO_CODING = 0;
    static final int CHUNKED = 1;
    /** A Transfer-Encoding whose last coding is not chunked: the body ends when the connection closes (RFC 9112 6.3). */
    static final int OTHER_CODING = 2;

    private static final int TEXT = 0;
    private static final int CR = 1;
    private static final int LINE_START = 2;
    private static final int LINE_START_CR = 3;

    /** Per byte in a head: 0 text (HTAB, SP, VCHAR, obs-text), CR, LF, or a control character nowhere allowed. */
    private static final byte[] CLASS = new byte[256];
    private static final byte CLASS_CR = 1;
    private static final byte CLASS_LF = 2;
    private static final byte CLASS_CONTROL = 3;
    private static final int TABLE_SIZE = 1024;
    private static final HttpString[] NAMES = new HttpString[TABLE_SIZE];
    private static final byte[][] LOWER = new byte[TABLE_SIZE][];
    private static final byte[] CHUNKED_BYTES = {'c', 'h', 'u', 'n', 'k', 'e', 'd'};
    private static final byte[] CLOSE_BYTES = {'c', 'l', 'o', 's', 'e'};
    private static final byte[] KEEP_ALIVE_BYTES = {'k', 'e', 'e', 'p', '-', 'a', 'l', 'i', 'v', 'e'};
    private static final byte[] UPGRADE_BYTES = {'u', 'p', 'g', 'r', 'a', 'd', 'e'};

    static {
        for (int c = 0; c < 0x20; c++) {
            CLASS[c] = CLASS_CONTROL;
        }
        CLASS['\t'] = 0;
        CLASS['\r'] = CLASS_CR;
        CLASS['\n'] = CLASS_LF;
        CLASS[0x7f] = CLASS_CONTROL;
        try {
            for (Field field : Headers.class.getFields()) {
                if (field.getType() == HttpString.class && Modifier.isStatic(field.getModifiers())) {
                    add((HttpString) field.get(null));
                }
            }
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void add(HttpString name) {
        byte[] lower = name.toString().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.ISO_8859_1);
        for (byte b : lower) {
            if (!Token.isTchar(b & 0xff)) {
                return; // a constant that is a value, not a name ("chunked" is a name too, harmlessly)
            }
        }
        int slot = hash(lower, 0, lower.length) & (TABLE_SIZE - 1);
        while (NAMES[slot] != null) {
            if (java.util.Arrays.equals(LOWER[slot], lower)) {
                return;
            }
            slot = (slot + 1) & (TABLE_SIZE - 1);
        }
        NAMES[slot] = name;
        LOWER[slot] = lower;
    }

    private static int hash(byte[] bytes, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + (bytes[i] | 0x20);
        }
        return h ^ (h >>> 16);
    }

    private static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /** The Undertow constant for this name, or a new HttpString for a name it does not know. */
    static HttpString name(byte[] bytes, int from, int to) {
        return name(bytes, from, to, hash(bytes, from, to));
    }

    private static HttpString name(byte[] bytes, int from, int to, int hash) {
        int slot = hash & (TABLE_SIZE - 1);
        int length = to - from;
        for (HttpString known; (known = NAMES[slot]) != null; slot = (slot + 1) & (TABLE_SIZE - 1)) {
            byte[] lower = LOWER[slot];
            if (lower.length == length && sameIgnoringCase(bytes, from, lower)) {
                return known;
            }
        }
        return new HttpString(bytes, from, length);
    }

    private static boolean sameIgnoringCase(byte[] bytes, int from, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if (lower(bytes[from + i]) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private final int limit;
    private int state;
    private int start;
    private int scanned;
    private int[] lineEnds = new int[32];
    private int lines;
    private String lastReason = "";

    /** From the last {@link #parseHead}: the body's Content-Length, or -1. */
    long contentLength;
    /** From the last {@link #parseHead}: NO_CODING, CHUNKED or OTHER_CODING. */
    int transferCoding;
    boolean connectionClose;
    boolean connectionKeepAlive;
    boolean connectionUpgrade;
    boolean upgradeHeader;

    /** @param limit the largest head (and trailer section) in bytes, line ends included */
    ResponseHeadParser(int limit) {
        this.limit = limit;
    }

    /** A response head begins at {@code at}. */
    void beginHead(int at) {
        begin(at, TEXT);
    }

    /** A trailer section (possibly empty: just CRLF) begins at {@code at}. */
    void beginTrailers(int at) {
        begin(at, LINE_START);
    }

    private void begin(int at, int initial) {
        start = at;
        scanned = at;
        state = initial;
        lines = 0;
    }

    /** The bytes of the head in progress moved by {@code delta} in the array (the reader compacted its buffer). */
    void shift(int delta) {
        start += delta;
        scanned += delta;
        for (int i = 0; i < lines; i++) {
            lineEnds[i] += delta;
        }
    }

    /** Where the head in progress began. */
    int start() {
        return start;
    }

    /**
     * Follows the bytes up to {@code end} (exclusive) from where the last call stopped.
     *
     * @return the index just after the blank line that ends the head, or -1 when more bytes are needed
     */
    int scan(byte[] bytes, int end) throws MalformedResponseException {
        int i = scanned;
        int s = state;
        while (i < end) {
            int b = bytes[i];
            if (s == TEXT) {
                int c;
                while ((c = CLASS[b & 0xff]) == 0) {
                    if (++i == end) {
                        break;
                    }
                    b = bytes[i];
                }
                if (i == end) {
                    break;
                }
                if (c != CLASS_CR) {
                    throw c == CLASS_LF ? new MalformedResponseException("a line of the response head ends in LF without CR")
                            : controlCharacter();
                }
                s = CR;
            } else if (s == CR) {
                if (b != '\n') {
                    throw new MalformedResponseException("a CR in the response head is not followed by LF");
                }
                line(i - 1);
                s = LINE_START;
            } else if (s == LINE_START) {
                if (b == '\r') {
                    s = LINE_START_CR;
                } else if (b == '\n') {
                    throw new MalformedResponseException("a line of the response head ends in LF without CR");
                } else if (CLASS[b & 0xff] == CLASS_CONTROL) {
                    throw controlCharacter();
                } else {
                    s = TEXT;
                }
            } else {
                if (b != '\n') {
                    throw new MalformedResponseException("a CR in the response head is not followed by LF");
                }
                scanned = i + 1;
                state = s;
                if (scanned - start > limit) {
                    throw tooLarge();
                }
                return scanned;
            }
            i++;
        }
        scanned = i;
        state = s;
        if (i - start > limit) {
            throw tooLarge();
        }
        return -1;
    }

    private static MalformedResponseException controlCharacter() {
        return new MalformedResponseException("control character in the response head");
    }

    private MalformedResponseException tooLarge() {
        return new MalformedResponseException("the response head is larger than " + limit + " bytes");
    }

    private void line(int crAt) {
        if (lines == lineEnds.length) {
            lineEnds = java.util.Arrays.copyOf(lineEnds, lines * 2);
        }
        lineEnds[lines++] = crAt;
    }

    private int lineStart(int line) {
        return line == 0 ? start : lineEnds[line - 1] + 2;
    }

    /** Reads the head {@link #scan} found complete: status line and fields. */
    ClientResponse parseHead(byte[] bytes) throws MalformedResponseException {
        contentLength = -1;
        transferCoding = NO_CODING;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionUpgrade = false;
        upgradeHeader = false;
        if (lines == 0) {
            throw new MalformedResponseException("the response has no status line");
        }
        int s = start;
        int e = lineEnds[0];
        if (e - s < 12 || bytes[s] != 'H' || bytes[s + 1] != 'T' || bytes[s + 2] != 'T' || bytes[s + 3] != 'P' || bytes[s + 4] != '/'
                || bytes[s + 5] != '1' || bytes[s + 6] != '.' || (bytes[s + 7] != '1' && bytes[s + 7] != '0') || bytes[s + 8] != ' '
                || !digit(bytes[s + 9]) || !digit(bytes[s + 10]) || !digit(bytes[s + 11]) || bytes[s + 9] == '0'
                || (e > s + 12 && bytes[s + 12] != ' ')) {
            throw new MalformedResponseException("malformed status line: " + printable(bytes, s, e));
        }
        HttpString protocol = bytes[s + 7] == '1' ? Protocols.HTTP_1_1 : Protocols.HTTP_1_0;
        int status = (bytes[s + 9] - '0') * 100 + (bytes[s + 10] - '0') * 10 + (bytes[s + 11] - '0');
        String reason = e > s + 12 ? reason(bytes, s + 13, e) : "";
        ClientResponse response = new ClientResponse(status, reason, protocol);
        fields(bytes, 1, response.getResponseHeaders(), true);
        if (transferCoding != NO_CODING && contentLength >= 0) {
            throw new MalformedResponseException("the response has both Transfer-Encoding and Content-Length");
        }
        return response;
    }

    /** Reads the trailer section {@link #scan} found complete into {@code trailers}. */
    void parseTrailers(byte[] bytes, HeaderMap trailers) throws MalformedResponseException {
        fields(bytes, 0, trailers, false);
    }

    private String reason(byte[] bytes, int from, int to) {
        String last = lastReason;
        int length = to - from;
        boolean same = last.length() == length;
        for (int i = from; same && i < to; i++) {
            same = last.charAt(i - from) == (bytes[i] & 0xff); // control characters were refused by scan
        }
        if (!same) {
            last = new String(bytes, from, length, StandardCharsets.ISO_8859_1);
            lastReason = last;
        }
        return last;
    }

    private void fields(byte[] bytes, int firstLine, HeaderMap into, boolean head) throws MalformedResponseException {
        for (int line = firstLine; line < lines; line++) {
            int s = lineStart(line);
            int e = lineEnds[line];
            int b = bytes[s];
            if (b == ' ' || b == '\t') {
                throw new MalformedResponseException("obs-fold (a header line beginning with whitespace)");
            }
            int p = s;
            int h = 0;
            while (p < e) {
                int c = bytes[p];
                if (!Token.isTchar(c & 0xff)) {
                    break;
                }
                h = 31 * h + (c | 0x20);
                p++;
            }
            if (p == s || p == e || bytes[p] != ':') {
                throw new MalformedResponseException("malformed header name: " + printable(bytes, s, Math.min(e, p + 1)));
            }
            HttpString name = name(bytes, s, p, h ^ (h >>> 16));
            p++;
            while (p < e && (bytes[p] == ' ' || bytes[p] == '\t')) {
                p++;
            }
            int q = e;
            while (q > p && (bytes[q - 1] == ' ' || bytes[q - 1] == '\t')) {
                q--;
            }
            if (head && !framing(name, bytes, p, q)) {
                continue; // a repeated, equal Content-Length: kept once
            }
            into.add(name, new String(bytes, p, q - p, StandardCharsets.ISO_8859_1));
        }
    }

    /** Takes note of the fields that frame the body or end the connection; false when the field is not to be kept. */
    private boolean framing(HttpString name, byte[] bytes, int from, int to) throws MalformedResponseException {
        if (name == Headers.CONTENT_LENGTH) {
            long length = 0;
            if (from == to || to - from > 18) {
                throw new MalformedResponseException("invalid Content-Length: " + printable(bytes, from, to));
            }
            for (int i = from; i < to; i++) {
                if (!digit(bytes[i])) {
                    throw new MalformedResponseException("invalid Content-Length: " + printable(bytes, from, to));
                }
                length = length * 10 + (bytes[i] - '0');
            }
            if (contentLength >= 0) {
                if (contentLength != length) {
                    throw new MalformedResponseException("differing Content-Length values");
                }
                return false;
            }
            contentLength = length;
        } else if (name == Headers.TRANSFER_ENCODING) {
            codings(bytes, from, to);
        } else if (name == Headers.CONNECTION) {
            connectionTokens(bytes, from, to);
        } else if (name == Headers.UPGRADE) {
            upgradeHeader = true;
        }
        return true;
    }

    private void codings(byte[] bytes, int from, int to) throws MalformedResponseException {
        int i = from;
        boolean any = false;
        while (i < to) {
            while (i < to && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == ',')) {
                i++;
            }
            if (i == to) {
                break;
            }
            int tokenStart = i;
            while (i < to && bytes[i] != ',' && bytes[i] != ';' && bytes[i] != ' ' && bytes[i] != '\t') {
                i++;
            }
            int tokenEnd = i;
            while (i < to && bytes[i] != ',') {
                i++; // parameters of the coding
            }
            any = true;
            boolean chunked = equalsIgnoringCase(bytes, tokenStart, tokenEnd, CHUNKED_BYTES);
            if (transferCoding == CHUNKED) {
                throw new MalformedResponseException(chunked ? "chunked is applied twice" : "chunked is not the last transfer coding");
            }
            transferCoding = chunked ? CHUNKED : OTHER_CODING;
        }
        if (!any) {
            throw new MalformedResponseException("empty Transfer-Encoding");
        }
    }

    private void connectionTokens(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            while (i < to && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == ',')) {
                i++;
            }
            int tokenStart = i;
            while (i < to && bytes[i] != ',' && bytes[i] != ' ' && bytes[i] != '\t') {
                i++;
            }
            if (equalsIgnoringCase(bytes, tokenStart, i, CLOSE_BYTES)) {
                connectionClose = true;
            } else if (equalsIgnoringCase(bytes, tokenStart, i, KEEP_ALIVE_BYTES)) {
                connectionKeepAlive = true;
            } else if (equalsIgnoringCase(bytes, tokenStart, i, UPGRADE_BYTES)) {
                connectionUpgrade = true;
            }
        }
    }

    private static boolean equalsIgnoringCase(byte[] bytes, int from, int to, byte[] lower) {
        return to - from == lower.length && sameIgnoringCase(bytes, from, lower);
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** For messages: the bytes with anything unprintable escaped, at most 100 of them. */
    static String printable(byte[] bytes, int from, int to) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < Math.min(to, from + 100); i++) {
            int c = bytes[i] & 0xff;
            if (c < 0x20 || c >= 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
