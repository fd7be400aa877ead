package io.sluice.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Loads server key material from PEM files or a PKCS#12 file, with messages that tell the operator
 * exactly what is wrong and how to fix it. Only RSA and EC keys are accepted: they are what both
 * TLS engines (JSSE and wildfly-openssl) can use, and what public CAs issue.
 */
public final class KeyMaterialLoader {

    private KeyMaterialLoader() {
    }

    /**
     * @param certificateChain PEM file with one or more CERTIFICATE blocks, the server certificate first
     * @param privateKey       PEM file with an unencrypted PKCS#8 "PRIVATE KEY" block (RSA or EC)
     */
    public static KeyMaterial fromPem(Path certificateChain, Path privateKey) throws TlsMaterialException {
        List<X509Certificate> chain = readChain(certificateChain);
        PrivateKey key = readPrivateKey(privateKey);
        String source = certificateChain + " + " + privateKey;
        checkKeyMatchesLeaf(key, chain, certificateChain + " (with key " + privateKey + ")");
        return new KeyMaterial(source, key, chain);
    }

    /** @param password the store password; the key entry must use the same one (as openssl pkcs12 -export does) */
    public static KeyMaterial fromPkcs12(Path file, char[] password) throws TlsMaterialException {
        byte[] bytes = Pem.readBytes(file, "PKCS#12 file");
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new TlsMaterialException("The PKCS#12 file " + file + " cannot be opened with the configured"
                        + " password; check the password (openssl pkcs12 -info -noout -in " + file + " tests it).", e);
            }
            throw new TlsMaterialException("The PKCS#12 file " + file + " is not a valid PKCS#12 (.p12/.pfx) file ("
                    + e.getMessage() + "); export it again, e.g. openssl pkcs12 -export -inkey key.pem -in chain.pem -out "
                    + file + ".", e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("The PKCS#12 file " + file + " cannot be read by this JVM (" + e.getMessage()
                    + "); export it again with current defaults: openssl pkcs12 -export -inkey key.pem -in chain.pem -out "
                    + file + ".", e);
        }
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key;
                try {
                    key = store.getKey(alias, password);
                } catch (UnrecoverableKeyException e) {
                    throw new TlsMaterialException("The private key '" + alias + "' in the PKCS#12 file " + file
                            + " has a different password from the file; export it again with a single password.", e);
                }
                Certificate[] certificates = store.getCertificateChain(alias);
                if (!(key instanceof PrivateKey) || certificates == null || certificates.length == 0) {
                    continue;
                }
                PrivateKey privateKey = checkAlgorithm((PrivateKey) key, file);
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate certificate : certificates) {
                    chain.add((X509Certificate) certificate);
                }
                checkKeyMatchesLeaf(privateKey, chain, file.toString());
                return new KeyMaterial(file.toString(), privateKey, chain);
            }
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("The PKCS#12 file " + file + " cannot be read (" + e.getMessage()
                    + "); export it again with openssl pkcs12 -export.", e);
        }
        throw new TlsMaterialException("The PKCS#12 file " + file + " contains no private key with its certificate"
                + " (only trusted certificates, or nothing); export the server key and chain into it with"
                + " openssl pkcs12 -export -inkey key.pem -in chain.pem -out " + file + ".");
    }

    static List<X509Certificate> readChain(Path file) throws TlsMaterialException {
        List<Pem.Block> blocks = Pem.parse(Pem.readText(file, "certificate chain file"), file);
        List<X509Certificate> chain = certificates(blocks, file);
        if (chain.isEmpty()) {
            if (blocks.stream().anyMatch(b -> b.type().contains("PRIVATE KEY"))) {
                throw new TlsMaterialException("The TLS certificate chain file " + file + " holds a private key, not a"
                        + " certificate; the certificate and key settings are probably swapped.");
            }
            throw new TlsMaterialException("The TLS certificate chain file " + file + " contains no PEM CERTIFICATE"
                    + " block; it must hold '-----BEGIN CERTIFICATE-----' blocks, server certificate first (a binary DER"
                    + " file converts with: openssl x509 -inform der -in " + file + " -out " + file + ".pem).");
        }
        return chain;
    }

    /** All CERTIFICATE blocks of a PEM file, parsed; also used for CA bundles. */
    static List<X509Certificate> certificates(List<Pem.Block> blocks, Path file) throws TlsMaterialException {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Pem.Block block : blocks) {
                if (block.type().equals("CERTIFICATE")) {
                    certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new TlsMaterialException("Certificate number " + (certificates.size() + 1) + " in " + file
                    + " cannot be parsed (" + e.getMessage() + "); the file is damaged, copy it again from its source.", e);
        }
        return certificates;
    }

    static PrivateKey readPrivateKey(Path file) throws TlsMaterialException {
        List<Pem.Block> blocks = Pem.parse(Pem.readText(file, "private key file"), file);
        String pkcs8Command = "openssl pkcs8 -topk8 -nocrypt -in " + file + " -out " + pkcs8Sibling(file);
        for (Pem.Block block : blocks) {
            switch (block.type()) {
                case "PRIVATE KEY":
                    return checkAlgorithm(decodePkcs8(block.der(), file), file);
                case "RSA PRIVATE KEY":
                    throw new TlsMaterialException("The TLS private key file " + file + " holds a PKCS#1 'RSA PRIVATE KEY';"
                            + " Sluice reads unencrypted PKCS#8 keys ('PRIVATE KEY'), convert it with: " + pkcs8Command
                            + " and point the setting at the new file.");
                case "EC PRIVATE KEY":
                    throw new TlsMaterialException("The TLS private key file " + file + " holds a SEC1 'EC PRIVATE KEY';"
                            + " Sluice reads unencrypted PKCS#8 keys ('PRIVATE KEY'), convert it with: " + pkcs8Command
                            + " and point the setting at the new file.");
                case "ENCRYPTED PRIVATE KEY":
                    throw new TlsMaterialException("The TLS private key file " + file + " is encrypted with a passphrase;"
                            + " Sluice needs it unencrypted (protect it with file permissions, mode 0600, instead),"
                            + " decrypt it with: " + pkcs8Command + " (it asks for the passphrase) and point the setting"
                            + " at the new file.");
                default:
                    // EC PARAMETERS (from openssl ecparam -genkey), CERTIFICATE, ...: keep looking.
            }
        }
        if (blocks.stream().anyMatch(b -> b.type().equals("CERTIFICATE"))) {
            throw new TlsMaterialException("The TLS private key file " + file + " holds a certificate, not a private key;"
                    + " the certificate and key settings are probably swapped.");
        }
        throw new TlsMaterialException("The TLS private key file " + file + " contains no PEM 'PRIVATE KEY' block; it must"
                + " hold an unencrypted PKCS#8 key ('-----BEGIN PRIVATE KEY-----'); if it is a binary DER key, convert it"
                + " with: openssl pkcs8 -topk8 -nocrypt -inform der -in " + file + " -out " + pkcs8Sibling(file)
                + " and point the setting at the new file.");
    }

    private static PrivateKey decodePkcs8(byte[] der, Path file) throws TlsMaterialException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        // The algorithm OID is inside the DER; trying the factories is shorter than parsing it, and the
        // extra ones only serve to name the unsupported type in the message.
        for (String algorithm : List.of("RSA", "EC", "RSASSA-PSS", "Ed25519", "Ed448", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm
            }
        }
        throw new TlsMaterialException("The PKCS#8 private key in " + file + " cannot be decoded; the file is damaged"
                + " or holds an unusual key type, create an RSA or EC key instead.");
    }

    private static PrivateKey checkAlgorithm(PrivateKey key, Path file) throws TlsMaterialException {
        if (key.getAlgorithm().equals("RSA") || key.getAlgorithm().equals("EC")) {
            return key;
        }
        throw new TlsMaterialException("The private key in " + file + " is a " + key.getAlgorithm()
                + " key; Sluice serves RSA and EC (ECDSA) keys only, create the certificate with one of those.");
    }

    /**
     * Proves the key belongs to the leaf certificate by signing a few bytes and verifying them with the
     * leaf's public key. This catches a key from another (renewed) certificate before a client does.
     */
    static void checkKeyMatchesLeaf(PrivateKey key, List<X509Certificate> chain, String what)
            throws TlsMaterialException {
        if (matches(key, chain.get(0))) {
            return;
        }
        for (int i = 1; i < chain.size(); i++) {
            if (matches(key, chain.get(i))) {
                throw new TlsMaterialException("The private key does not match the first certificate in " + what
                        + " but certificate number " + (i + 1) + "; put the server certificate first, then its"
                        + " intermediate CA certificates.");
            }
        }
        throw new TlsMaterialException("The private key does not match the certificate " + chain.get(0)
                .getSubjectX500Principal().getName() + " in " + what + "; use the key the certificate was issued for"
                + " (after a renewal, both files must be replaced together).");
    }

    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
            return false;
        }
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // e.g. EC keys on different curves: certainly not a pair.
            return false;
        }
    }

    /** server.key -> server-pkcs8.pem next to it: a name for the converted file in our suggestions. */
    private static Path pkcs8Sibling(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + "-pkcs8.pem");
    }
}
