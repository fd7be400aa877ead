package io.sluice.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes self-signed server certificates (for {@code sluice demo} and for tests) with JDK APIs only.
 *
 * <p>The JDK can sign but has no public X.509 builder, so the TBSCertificate is DER-encoded by hand
 * ({@link Der}) and the result is parsed back through {@link CertificateFactory}, which also proves
 * the encoding is valid. The certificate has cA=true so that it can be its own trust anchor in a PEM
 * bundle (JDK and curl --cacert), plus serverAuth EKU and the key usages the JDK end-entity checker
 * wants for TLS servers.
 */
public final class SelfSignedCertificate {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** Certificates start an hour in the past, so a client whose clock is a little behind still accepts them. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SelfSignedCertificate() {
    }

    /**
     * @param keyAlgorithm "RSA" (2048 bits) or "EC" (P-256)
     * @param dnsNames     host names and IPv4/IPv6 literals; the first one is also the CN
     * @param validity     how long from now the certificate is valid
     */
    public static KeyMaterial generate(String keyAlgorithm, List<String> dnsNames, Duration validity) {
        if (dnsNames.isEmpty()) {
            throw new IllegalArgumentException("a self-signed certificate needs at least one host name");
        }
        try {
            KeyPair keys = keyPair(keyAlgorithm);
            boolean rsa = keyAlgorithm.equals("RSA");
            String signatureAlgorithm = rsa ? "SHA256withRSA" : "SHA256withECDSA";
            // sha256WithRSAEncryption takes NULL parameters, ecdsa-with-SHA256 takes none (RFC 4055, RFC 5758).
            byte[] algorithmId = rsa
                    ? Der.sequence(Der.oid("1.2.840.113549.1.1.11"), Der.nul())
                    : Der.sequence(Der.oid("1.2.840.10045.4.3.2"));
            byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid("2.5.4.3"), Der.utf8String(dnsNames.get(0)))));
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);

            byte[] tbs = Der.sequence(
                    Der.explicit(0, Der.integer(BigInteger.TWO)), // v3
                    Der.integer(new BigInteger(127, RANDOM).add(BigInteger.ONE)), // positive, at most 16 bytes
                    algorithmId,
                    name, // issuer
                    Der.sequence(Der.time(now.minus(BACKDATE)), Der.time(now.plus(validity))),
                    name, // subject
                    keys.getPublic().getEncoded(), // SubjectPublicKeyInfo, already DER
                    Der.explicit(3, Der.sequence(
                            extension("2.5.29.19", true, Der.sequence(Der.bool(true))), // basicConstraints cA
                            // digitalSignature(0), keyEncipherment(2) for RSA key exchange, keyCertSign(5) as cA
                            extension("2.5.29.15", true, rsa ? Der.namedBits(0, 2, 5) : Der.namedBits(0, 5)),
                            extension("2.5.29.37", false, Der.sequence(Der.oid("1.3.6.1.5.5.7.3.1"))), // serverAuth
                            extension("2.5.29.17", false, subjectAltNames(dnsNames)))));

            Signature signer = Signature.getInstance(signatureAlgorithm);
            signer.initSign(keys.getPrivate());
            signer.update(tbs);
            byte[] certificate = Der.sequence(tbs, algorithmId, Der.bitString(signer.sign()));

            X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certificate));
            parsed.verify(keys.getPublic());
            return new KeyMaterial("self-signed " + keyAlgorithm + " certificate for " + String.join(", ", dnsNames),
                    keys.getPrivate(), List.of(parsed));
        } catch (GeneralSecurityException e) {
            // Every JDK has RSA, EC P-256 and these signatures; failing here is a broken JDK, not bad input.
            throw new IllegalStateException("cannot create a self-signed " + keyAlgorithm + " certificate", e);
        }
    }

    /**
     * Writes the chain as PEM and the key as unencrypted PKCS#8 PEM, which is exactly what
     * {@link KeyMaterialLoader#fromPem} reads. The key file is created with mode 0600 where the file
     * system has POSIX permissions (it is never world-readable, not even briefly), and both files are
     * replaced atomically so a reader never sees half a file.
     */
    public static void writePem(KeyMaterial material, Path certificateFile, Path keyFile) throws IOException {
        StringBuilder chain = new StringBuilder();
        try {
            for (X509Certificate certificate : material.chain()) {
                chain.append(Pem.encode("CERTIFICATE", certificate.getEncoded()));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode the certificate of " + material.source(), e);
        }
        writeAtomically(certificateFile, chain.toString(), false);
        writeAtomically(keyFile, Pem.encode("PRIVATE KEY", material.privateKey().getEncoded()), true);
    }

    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        String prefix = "." + absolute.getFileName();
        Path temporary;
        if (secret && directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
            temporary = Files.createTempFile(directory, prefix, ".tmp", ownerOnly);
        } else {
            temporary = Files.createTempFile(directory, prefix, ".tmp");
            if (!secret && directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // createTempFile makes 0600 files; a certificate is public, let other users (e.g. curl) read it.
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        try {
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static KeyPair keyPair(String keyAlgorithm) throws GeneralSecurityException {
        KeyPairGenerator generator;
        switch (keyAlgorithm) {
            case "RSA":
                generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048, RANDOM);
                break;
            case "EC":
                generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                break;
            default:
                throw new IllegalArgumentException("key algorithm must be RSA or EC, not " + keyAlgorithm);
        }
        return generator.generateKeyPair();
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value)); // DEFAULT FALSE is omitted in DER
    }

    /** dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (RFC 5280 4.2.1.6). */
    private static byte[] subjectAltNames(List<String> names) {
        List<byte[]> generalNames = new ArrayList<>();
        for (String name : names) {
            if (IPV4.matcher(name).matches() || name.contains(":")) {
                generalNames.add(Der.implicitPrimitive(7, ipAddress(name)));
            } else if (StandardCharsets.US_ASCII.newEncoder().canEncode(name)) {
                generalNames.add(Der.implicitPrimitive(2, name.getBytes(StandardCharsets.US_ASCII)));
            } else {
                throw new IllegalArgumentException("host name " + name + " is not ASCII; use its punycode (xn--) form");
            }
        }
        return Der.sequence(generalNames.toArray(new byte[0][]));
    }

    private static byte[] ipAddress(String literal) {
        if (IPV4.matcher(literal).matches()) {
            // Parsed by hand: InetAddress would resolve "999.1.1.1" through DNS instead of rejecting it.
            String[] octets = literal.split("\\.");
            byte[] address = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(octets[i]);
                if (octet > 255) {
                    throw new IllegalArgumentException("not an IPv4 address: " + literal);
                }
                address[i] = (byte) octet;
            }
            return address;
        }
        try {
            // Contains ':': InetAddress parses it as an IPv6 literal or rejects it, without a DNS lookup.
            return InetAddress.getByName(literal).getAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException("not an IP address: " + literal, e);
        }
    }
}
