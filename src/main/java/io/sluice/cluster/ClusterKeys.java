package io.sluice.cluster;

import io.sluice.pool.SessionKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys a cluster's instances derive from their shared secret, all from one PBKDF2-HMAC-SHA256
 * run salted with the cluster's name: the AES key JGroups encrypts every message with, the
 * HMAC-SHA256 key that authenticates Sluice's own messages, and the learned-session key. The many
 * iterations make guessing a weak secret from captured traffic slow; a 32-character random secret
 * is out of reach anyway.
 */
final class ClusterKeys {
    private static final int ITERATIONS = 210_000;

    private final SecretKey encryption;
    private final SecretKeySpec authentication;
    private final SessionKeys sessions;

    private ClusterKeys(SecretKey encryption, SecretKeySpec authentication, SessionKeys sessions) {
        this.encryption = encryption;
        this.authentication = authentication;
        this.sessions = sessions;
    }

    static ClusterKeys derive(String secret, String clusterName) {
        byte[] bytes;
        try {
            PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), ("sluice-cluster/" + clusterName).getBytes(StandardCharsets.UTF_8),
                    ITERATIONS, 80 * 8);
            bytes = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            spec.clearPassword();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every Java runtime", e);
        }
        ByteBuffer keys = ByteBuffer.wrap(bytes);
        SecretKey encryption = new SecretKeySpec(bytes, 0, 32, "AES");
        SecretKeySpec authentication = new SecretKeySpec(bytes, 32, 32, "HmacSHA256");
        keys.position(64);
        SessionKeys sessions = SessionKeys.of(keys.getLong(), keys.getLong());
        Arrays.fill(bytes, (byte) 0);
        return new ClusterKeys(encryption, authentication, sessions);
    }

    SecretKey encryption() {
        return encryption;
    }

    SessionKeys sessions() {
        return sessions;
    }

    /** A new MAC for one thread (a Mac is not thread-safe). */
    Mac mac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(authentication);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
