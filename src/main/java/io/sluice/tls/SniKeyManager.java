package io.sluice.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves several certificates from one JSSE SSLContext by choosing on the SNI host name: exact name
 * first, then a wildcard one label deep, and the first certificate when the client sent no SNI (an
 * IP-address URL) or a name no certificate has. Aliases are the indexes into the list.
 *
 * <p>JSSE asks once per key type it could use (in the client's signature-scheme order), so the
 * name decides the candidate certificates first and the key type only filters among them: an RSA
 * certificate that matches the name must not lose to an EC default just because EC was asked first.
 * An RSA and an EC certificate for the same names both stay candidates, and the client's preference
 * picks one.
 */
final class SniKeyManager extends X509ExtendedKeyManager {

    private final List<KeyMaterial> certificates;
    /** serverNames() parses the certificate; do it once, not on every handshake. */
    private final List<Set<String>> names;

    SniKeyManager(List<KeyMaterial> certificates) {
        this.certificates = List.copyOf(certificates);
        this.names = this.certificates.stream().map(KeyMaterial::serverNames).toList();
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : hostName(engine.getHandshakeSession()));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        SSLSession session = socket instanceof SSLSocket ? ((SSLSocket) socket).getHandshakeSession() : null;
        return choose(keyType, hostName(session));
    }

    String choose(String keyType, String host) {
        for (int index : candidates(host)) {
            if (certificates.get(index).keyAlgorithm().equals(keyType)) {
                return Integer.toString(index);
            }
        }
        return null;
    }

    /** Indexes of the certificates for this host: exact matches, else wildcard matches, else the default. */
    List<Integer> candidates(String host) {
        if (host != null) {
            List<Integer> exact = new ArrayList<>();
            List<Integer> wildcard = new ArrayList<>();
            int dot = host.indexOf('.');
            String wildcardName = dot > 0 ? "*" + host.substring(dot) : null;
            for (int i = 0; i < certificates.size(); i++) {
                if (names.get(i).contains(host)) {
                    exact.add(i);
                } else if (wildcardName != null && names.get(i).contains(wildcardName)) {
                    wildcard.add(i);
                }
            }
            if (!exact.isEmpty()) {
                return exact;
            }
            if (!wildcard.isEmpty()) {
                return wildcard;
            }
        }
        return List.of(0);
    }

    private static String hostName(SSLSession session) {
        if (session instanceof ExtendedSSLSession) {
            for (SNIServerName name : ((ExtendedSSLSession) session).getRequestedServerNames()) {
                if (name instanceof SNIHostName) {
                    return ((SNIHostName) name).getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        List<String> aliases = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            if (certificates.get(i).keyAlgorithm().equals(keyType)) {
                aliases.add(Integer.toString(i));
            }
        }
        return aliases.isEmpty() ? null : aliases.toArray(new String[0]);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial material = byAlias(alias);
        return material == null ? null : material.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial material = byAlias(alias);
        return material == null ? null : material.privateKey();
    }

    private KeyMaterial byAlias(String alias) {
        try {
            int index = Integer.parseInt(alias);
            return index >= 0 && index < certificates.size() ? certificates.get(index) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // A server key manager: it never presents client certificates.

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
