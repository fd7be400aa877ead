package io.sluice.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * Which configuration file a generation was loaded from, when, and the SHA-256 of that
 * file's bytes at that moment (the main file; included files are not part of it), so an
 * operator can tell whether the file on disk is the one in force.
 */
public record FileStamp(Path file, Instant loadedAt, String sha256) {

    /** Reads the file now; a file that cannot be read (moved meanwhile) gets sha256 "". */
    public static FileStamp read(Path file) {
        String sha256;
        try {
            sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            sha256 = "";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        return new FileStamp(file, Instant.now().truncatedTo(ChronoUnit.SECONDS), sha256);
    }
}
