package io.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted password hashes for admin users: PBKDF2-HMAC-SHA256, written as
 * {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>}. `sluice passwd` prints one.
 */
public final class PasswordHash {
    static final String PREFIX = "pbkdf2-sha256$";
    private static final int ITERATIONS = 120_000;

    private PasswordHash() {
    }

    public static String hash(char[] password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return PREFIX + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(derive(password, salt, ITERATIONS));
    }

    /** Whether the text is a hash this class can check (used by config validation). */
    public static boolean isWellFormed(String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !stored.startsWith(PREFIX)) {
            return false;
        }
        try {
            return Integer.parseInt(parts[1]) >= 10_000 && Base64.getDecoder().decode(parts[2]).length >= 8
                    && Base64.getDecoder().decode(parts[3]).length == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static boolean matches(char[] password, String stored) {
        if (!isWellFormed(stored)) {
            return false;
        }
        String[] parts = stored.split("\\$");
        byte[] expected = Base64.getDecoder().decode(parts[3]);
        byte[] actual = derive(password, Base64.getDecoder().decode(parts[2]), Integer.parseInt(parts[1]));
        return MessageDigest.isEqual(expected, actual);
    }

    /** Constant-time comparison for bearer tokens. */
    public static boolean sameToken(String presented, String expected) {
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password, salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        }
    }
}
