package io.sluice.cluster;

import java.util.Arrays;
import javax.crypto.Mac;

/**
 * Sluice's messages between instances: a kind byte, the body, and an HMAC-SHA256 of both under
 * the cluster's authentication key. JGroups already encrypts every message; the MAC is what makes
 * the content trustworthy, so that nothing but an instance holding the secret can write into
 * another's session tables or run-time state. A message whose MAC does not match is dropped
 * before its body is read.
 */
final class Envelope {
    static final byte SESSIONS = 1;
    static final byte RUNTIME = 2;
    private static final int MAC_LENGTH = 32;

    /** An opened message: its kind and where its body lies in {@code data}. */
    record Opened(byte kind, byte[] data, int offset, int length) {
    }

    private Envelope() {
    }

    static byte[] seal(byte kind, byte[] body, Mac mac) {
        byte[] sealed = new byte[1 + body.length + MAC_LENGTH];
        sealed[0] = kind;
        System.arraycopy(body, 0, sealed, 1, body.length);
        mac.update(sealed, 0, 1 + body.length);
        byte[] tag = mac.doFinal();
        System.arraycopy(tag, 0, sealed, 1 + body.length, MAC_LENGTH);
        return sealed;
    }

    /** The message, or null when it is too short or its MAC does not match. */
    static Opened open(byte[] data, int offset, int length, Mac mac) {
        if (length < 1 + MAC_LENGTH) {
            return null;
        }
        int signed = length - MAC_LENGTH;
        mac.update(data, offset, signed);
        byte[] expected = mac.doFinal();
        if (!java.security.MessageDigest.isEqual(expected, Arrays.copyOfRange(data, offset + signed, offset + length))) {
            return null;
        }
        return new Opened(data[offset], data, offset + 1, signed - 1);
    }
}
