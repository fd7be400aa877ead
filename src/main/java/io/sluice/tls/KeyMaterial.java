package io.sluice.tls;

import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A server private key with its certificate chain, ready to be put into an SSLContext.
 *
 * @param source     where it came from (a file name, or "self-signed ..."), used in messages
 * @param privateKey the RSA or EC private key
 * @param chain      the certificate chain; {@code chain.get(0)} is the leaf that matches the key
 */
public record KeyMaterial(String source, PrivateKey privateKey, List<X509Certificate> chain) {

    /** dNSName in the GeneralName CHOICE of subjectAltName (RFC 5280 4.2.1.6). */
    private static final int SAN_DNS_NAME = 2;

    public KeyMaterial {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the leaf certificate");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** "RSA" or "EC": the names JSSE passes as keyType to a key manager, so they can be compared directly. */
    public String keyAlgorithm() {
        return privateKey.getAlgorithm();
    }

    /**
     * The host names this certificate is for, lower-cased: its DNS subjectAltNames, or its CN when it
     * has none (clients ignore the CN once a SAN is present, RFC 6125 6.4.4, so we do the same).
     */
    public Set<String> serverNames() {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = leaf().getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == SAN_DNS_NAME) {
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A SAN extension the JDK cannot parse: treat it as absent and fall back to the CN.
        }
        if (names.isEmpty()) {
            String cn = commonName(leaf());
            if (cn != null) {
                names.add(cn.toLowerCase(Locale.ROOT));
            }
        }
        return Collections.unmodifiableSet(names);
    }

    private static String commonName(X509Certificate certificate) {
        try {
            LdapName name = new LdapName(certificate.getSubjectX500Principal().getName());
            // LdapName lists RDNs right-to-left, so the most specific (leftmost) CN has the highest index.
            List<Rdn> rdns = name.getRdns();
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                    return rdns.get(i).getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            // An RFC 2253 name produced by the JDK itself always parses; nothing sensible to do otherwise.
        }
        return null;
    }
}
