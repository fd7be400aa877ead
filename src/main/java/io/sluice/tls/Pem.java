package io.sluice.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading and writing PEM (RFC 7468) text, and reading the files that hold it with operator-friendly errors. */
final class Pem {

    /** One "-----BEGIN type----- ... -----END type-----" block, decoded. */
    record Block(String type, byte[] der) {
    }

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    private Pem() {
    }

    /**
     * All PEM blocks in the text, in order. Header lines ("Proc-Type: 4,ENCRYPTED") are skipped rather
     * than fed to the MIME decoder, which would otherwise silently turn their letters into key bytes.
     */
    static List<Block> parse(String text, Path file) throws TlsMaterialException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            StringBuilder base64 = new StringBuilder();
            for (String line : m.group(2).split("\\R")) {
                if (!line.contains(":")) {
                    base64.append(line.strip());
                }
            }
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new TlsMaterialException("The " + m.group(1) + " block in " + file
                        + " is not valid base64; the file is damaged, copy it again from its source.", e);
            }
        }
        return blocks;
    }

    static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /**
     * Reads a PEM file as text. {@code what} ("certificate chain file", "private key file" ...) goes
     * into the messages so the operator knows which setting points at the file.
     * ISO-8859-1 never fails to decode, so a binary (DER) file reaches the "no PEM block" message
     * instead of an encoding error.
     */
    static String readText(Path file, String what) throws TlsMaterialException {
        return new String(readBytes(file, what), StandardCharsets.ISO_8859_1);
    }

    static byte[] readBytes(Path file, String what) throws TlsMaterialException {
        if (Files.isDirectory(file)) {
            throw new TlsMaterialException("The TLS " + what + " " + file
                    + " is a directory; point the setting at the file itself.");
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                throw new TlsMaterialException("The TLS " + what + " " + file
                        + " is empty; copy the real file there.");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException("The TLS " + what + " " + file
                    + " does not exist; check the path in the configuration.", e);
        } catch (AccessDeniedException e) {
            throw new TlsMaterialException("The TLS " + what + " " + file
                    + " cannot be read (permission denied); make it readable by the user Sluice runs as.", e);
        } catch (IOException e) {
            throw new TlsMaterialException("The TLS " + what + " " + file + " cannot be read (" + e
                    + "); check the file and its permissions.", e);
        }
    }
}
