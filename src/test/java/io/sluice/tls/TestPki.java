package io.sluice.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * A small test PKI for client certificates, made with JDK APIs and {@link Der} as
 * {@link SelfSignedCertificate} makes server certificates: a CA, client certificates it signs
 * (clientAuth EKU), and CRLs it signs. EC P-256 keys: quick to generate, and clients may use EC
 * even where the server certificate must be RSA (wildfly-openssl).
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** ecdsa-with-SHA256, which takes no parameters (RFC 5758). */
    private static final byte[] ECDSA_SHA256 = Der.sequence(Der.oid("1.2.840.10045.4.3.2"));

    /** A CA: its certificate, key and encoded name (the issuer of what it signs). */
    public record Ca(X509Certificate certificate, KeyPair keys, byte[] name) {
    }

    /** A client's key and chain (leaf first). */
    public record Client(KeyPair keys, List<X509Certificate> chain) {
        public X509Certificate leaf() {
            return chain.get(0);
        }
    }

    private TestPki() {
    }

    public static Ca ca(String commonName) {
        KeyPair keys = ecKeys();
        byte[] name = name(commonName);
        byte[] extensions = Der.sequence(
                extension("2.5.29.19", true, Der.sequence(Der.bool(true))), // basicConstraints cA
                extension("2.5.29.15", true, Der.namedBits(5, 6))); // keyCertSign, cRLSign
        return new Ca(sign(name, name, keys.getPublic().getEncoded(), extensions, keys), keys, name);
    }

    /** A client certificate signed by {@code issuer}; {@code intermediates} (if any) follow it in the chain. */
    public static Client client(Ca issuer, String commonName, X509Certificate... intermediates) {
        KeyPair keys = ecKeys();
        byte[] extensions = Der.sequence(
                extension("2.5.29.15", true, Der.namedBits(0)), // digitalSignature
                extension("2.5.29.37", false, Der.sequence(Der.oid("1.3.6.1.5.5.7.3.2")))); // clientAuth
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(sign(issuer.name(), name(commonName), keys.getPublic().getEncoded(), extensions, issuer.keys()));
        chain.addAll(List.of(intermediates));
        return new Client(keys, chain);
    }

    /** A CRL of {@code issuer} revoking these certificates, valid from an hour ago for {@code validity}. */
    public static X509CRL crl(Ca issuer, Duration validity, X509Certificate... revoked) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        List<byte[]> entries = new ArrayList<>();
        for (X509Certificate certificate : revoked) {
            entries.add(Der.sequence(Der.integer(certificate.getSerialNumber()), Der.time(now.minusMinutes(30))));
        }
        List<byte[]> tbs = new ArrayList<>(List.of(Der.integer(BigInteger.ONE), ECDSA_SHA256, issuer.name(),
                Der.time(now.minusHours(1)), Der.time(now.plus(validity))));
        if (!entries.isEmpty()) {
            tbs.add(Der.sequence(entries.toArray(new byte[0][])));
        }
        byte[] tbsCertList = Der.sequence(tbs.toArray(new byte[0][]));
        try {
            byte[] crl = Der.sequence(tbsCertList, ECDSA_SHA256, Der.bitString(signature(tbsCertList, issuer.keys())));
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path writeCertificates(Path file, X509Certificate... certificates) {
        return writePem(file, "CERTIFICATE", List.of(certificates).stream().map(TestPki::der).toList());
    }

    public static Path writeCrlPem(Path file, X509CRL... crls) {
        return writePem(file, "X509 CRL", List.of(crls).stream().map(TestPki::der).toList());
    }

    public static Path writeCrlDer(Path file, X509CRL crl) {
        return write(file, der(crl));
    }

    private static Path writePem(Path file, String type, List<byte[]> blocks) {
        StringBuilder pem = new StringBuilder();
        blocks.forEach(der -> pem.append(Pem.encode(type, der)));
        return write(file, pem.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] der(Object certificateOrCrl) {
        try {
            return certificateOrCrl instanceof X509CRL crl ? crl.getEncoded() : ((Certificate) certificateOrCrl).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the client's chain and PKCS#8 key as PEM (for curl --cert/--key); returns {chain, key}. */
    public static Path[] writeClient(Path dir, String stem, Client client) {
        Path chain = writeCertificates(dir.resolve(stem + ".crt.pem"), client.chain().toArray(new X509Certificate[0]));
        Path key = write(dir.resolve(stem + ".key.pem"),
                Pem.encode("PRIVATE KEY", client.keys().getPrivate().getEncoded()).getBytes(StandardCharsets.US_ASCII));
        return new Path[] {chain, key};
    }

    /** A JSSE client context presenting this client's certificate (null: none) and trusting any server. */
    public static SSLContext clientContext(Client client) {
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = "test".toCharArray();
            if (client != null) {
                store.setKeyEntry("client", client.keys().getPrivate(), password, client.chain().toArray(new Certificate[0]));
            }
            factory.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS", "SunJSSE");
            context.init(factory.getKeyManagers(), new TrustManager[] {TrustAllManager.INSTANCE}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate sign(byte[] issuer, byte[] subject, byte[] publicKeyInfo, byte[] extensions, KeyPair signer) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(BigInteger.TWO)), // v3
                Der.integer(new BigInteger(127, RANDOM).add(BigInteger.ONE)),
                ECDSA_SHA256,
                issuer,
                Der.sequence(Der.time(now.minusHours(1)), Der.time(now.plusDays(2))),
                subject,
                publicKeyInfo,
                Der.explicit(3, extensions));
        try {
            byte[] certificate = Der.sequence(tbs, ECDSA_SHA256, Der.bitString(signature(tbs, signer)));
            X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certificate));
            parsed.verify(signer.getPublic());
            return parsed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] signature(byte[] data, KeyPair signer) throws GeneralSecurityException {
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initSign(signer.getPrivate());
        signature.update(data);
        return signature.sign();
    }

    private static byte[] name(String commonName) {
        return Der.sequence(Der.set(Der.sequence(Der.oid("2.5.4.3"), Der.utf8String(commonName))));
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
