package io.sluice.tls;

import io.undertow.protocols.ssl.SNIContextMatcher;
import io.undertow.protocols.ssl.SNISSLContext;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Builds a listener's server SSLContext on the JDK (JSSE) or OpenSSL (wildfly-openssl) engine.
 *
 * <p>JDK: one context whose {@link SniKeyManager} picks the certificate by SNI name; RSA and EC.
 * OpenSSL: wildfly-openssl uses one key per context, so one "openssl.TLS" context per certificate
 * behind Undertow's SNISSLContext; RSA only, because wildfly-openssl loads only RSA/DSA keys and an
 * EC certificate makes every handshake fail silently (notes, undertow.md section 7).
 */
public final class ServerTlsFactory {

    public static final List<String> MODERN_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Mozilla "intermediate" (ECDHE only): AEAD suites, forward secrecy, what h2 requires on TLS 1.2. */
    public static final List<String> MODERN_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** RFC 9113 9.2.2: HTTP/2 over TLS 1.2 needs an ephemeral key exchange with an AEAD cipher. */
    private static final Pattern H2_TLS12_SUITE = Pattern.compile("TLS_(ECDHE|DHE)_.*_(GCM|CCM|CHACHA20_POLY1305)(_.*)?");

    /**
     * wildfly-openssl derives "Java" names from OpenSSL's by splitting at the last '-', which differs
     * from IANA for ChaCha20 and CCM TLS 1.2 suites: ECDHE-RSA-CHACHA20-POLY1305 is reported as
     * TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305, and the IANA ..._SHA256 name would be turned into an OpenSSL
     * name that does not exist and be dropped silently. So IANA names are respelled its way.
     */
    private static final List<String[]> OPENSSL_SPELLING = List.of(
            new String[] {"_WITH_CHACHA20_POLY1305_SHA256$", "_WITH_CHACHA20_POLY1305"},
            new String[] {"_WITH_AES_(128|256)_CCM_8$", "_WITH_AES_$1_CBC_CCM8"},
            new String[] {"_WITH_AES_(128|256)_CCM$", "_WITH_AES_$1_CBC_CCM"});

    private ServerTlsFactory() {
    }

    /**
     * @param listenerName for messages only
     * @param certificates non-empty; the first is served to clients that send no SNI or an unknown name
     */
    public static ServerTls create(String listenerName, ServerTlsSettings settings, List<KeyMaterial> certificates)
            throws TlsMaterialException {
        String listener = "Listener '" + listenerName + "'";
        if (certificates == null || certificates.isEmpty()) {
            throw new TlsMaterialException(listener + " has TLS enabled but no certificate; configure at least one"
                    + " certificate for it.");
        }
        List<String> warnings = new ArrayList<>();
        boolean useOpenSsl = chooseOpenSsl(listener, settings.engine(), certificates, warnings);

        SSLContext base = null;
        SSLContext probeContext = null;
        if (useOpenSsl) {
            try {
                List<SSLContext> perCertificate = openSslContexts(certificates, settings.clientTrust());
                // Probe a plain OpenSSL context: an SNISSLEngine reports no supported protocols or suites.
                probeContext = perCertificate.get(0);
                base = perCertificate.size() == 1 ? probeContext : sniContext(certificates, perCertificate);
            } catch (GeneralSecurityException | RuntimeException e) {
                if (settings.engine() == TlsEngine.OPENSSL) {
                    throw new TlsMaterialException(listener + " cannot set up the OpenSSL TLS engine (" + e
                            + "); set engine = jdk for this listener.", e);
                }
                warnings.add(listener + " uses the JDK TLS engine because the OpenSSL engine failed: " + e + ".");
            }
        }
        String engine = base != null ? "openssl" : "jdk";
        String engineDetail;
        if (base != null) {
            engineDetail = OpenSsl.status().version();
        } else {
            base = jdkContext(certificates, settings.clientTrust());
            probeContext = base;
            engineDetail = "JDK " + System.getProperty("java.version") + " " + base.getProvider().getName();
        }

        SSLEngine probe = probeContext.createSSLEngine();
        List<String> protocols = supported(listener, engine, "protocols",
                settings.protocols().isEmpty() ? MODERN_PROTOCOLS : settings.protocols(),
                probe.getSupportedProtocols(), warnings);
        List<String> requestedSuites = settings.cipherSuites().isEmpty() ? MODERN_CIPHER_SUITES : settings.cipherSuites();
        if (engine.equals("openssl")) {
            requestedSuites = requestedSuites.stream().map(ServerTlsFactory::openSslSpelling).toList();
        }
        List<String> cipherSuites = supported(listener, engine, "cipher suites", requestedSuites,
                probe.getSupportedCipherSuites(), warnings);
        checkTls12Suites(listener, settings, certificates, protocols, cipherSuites, warnings);

        ClientTrust clientTrust = settings.clientTrust();
        return new ServerTls(new ConfiguredSslContext(base, protocols, cipherSuites, clientTrust.mode()), engine, engineDetail,
                protocols, cipherSuites, warnings.isEmpty() ? null : String.join(" ", warnings), clientTrust.description());
    }

    /** AUTO means OpenSSL when it is loaded and every certificate is RSA; the reason for JDK goes into warnings. */
    private static boolean chooseOpenSsl(String listener, TlsEngine requested, List<KeyMaterial> certificates,
            List<String> warnings) throws TlsMaterialException {
        if (requested == TlsEngine.JDK) {
            return false; // and OpenSSL is never even loaded
        }
        OpenSslStatus status = OpenSsl.status();
        KeyMaterial ec = certificates.stream().filter(c -> !c.keyAlgorithm().equals("RSA")).findFirst().orElse(null);
        if (requested == TlsEngine.OPENSSL) {
            if (!status.available()) {
                throw new TlsMaterialException(listener + " is set to engine = openssl, but " + status.detail()
                        + " Fix that, or set engine = jdk (or auto) for this listener.");
            }
            if (ec != null) {
                throw new TlsMaterialException(listener + " is set to engine = openssl, but its certificate "
                        + ec.source() + " has an " + ec.keyAlgorithm() + " key and wildfly-openssl serves RSA"
                        + " certificates only (EC handshakes fail silently); set engine = jdk for this listener,"
                        + " or use an RSA certificate.");
            }
            return true;
        }
        if (!status.available()) {
            warnings.add(listener + " uses the JDK TLS engine because " + status.detail());
            return false;
        }
        if (ec != null) {
            warnings.add(listener + " uses the JDK TLS engine because its certificate " + ec.source() + " has an "
                    + ec.keyAlgorithm() + " key and wildfly-openssl serves RSA certificates only.");
            return false;
        }
        return true;
    }

    private static SSLContext jdkContext(List<KeyMaterial> certificates, ClientTrust clientTrust) throws TlsMaterialException {
        try {
            // SunJSSE by name, so that no registered provider (OpenSSL's also claims "TLS") can take over.
            SSLContext context = SSLContext.getInstance("TLS", "SunJSSE");
            context.init(new KeyManager[] {new SniKeyManager(certificates)}, clientTrust.trustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("The JDK TLS engine cannot be set up (" + e + "); check the Java installation.", e);
        }
    }

    /**
     * One wildfly-openssl context per certificate: it serves only the first key of each type in a context.
     * A trust manager becomes OpenSSL's certificate-verify callback, so client certificates are checked
     * by the same Java PKIX code (CRLs included) as on the JDK engine.
     */
    private static List<SSLContext> openSslContexts(List<KeyMaterial> certificates, ClientTrust clientTrust)
            throws GeneralSecurityException {
        List<SSLContext> contexts = new ArrayList<>();
        for (KeyMaterial certificate : certificates) {
            SSLContext context = SSLContext.getInstance("openssl.TLS");
            context.init(new KeyManager[] {new SniKeyManager(List.of(certificate))}, clientTrust.trustManagers(), null);
            contexts.add(context);
        }
        return contexts;
    }

    /**
     * Undertow's SNI dispatcher over the per-certificate contexts, the first being the default.
     * SNIContextMatcher compiles names as regular expressions and a raw "*.example.com" is not one
     * (PatternSyntaxException), so exact names are quoted and wildcards become "[^.]+\Q.example.com\E".
     * Neither contains '*', so both land in the matcher's "exact" map, which keeps insertion order:
     * adding every exact name before any wildcard keeps exact-before-wildcard.
     */
    private static SSLContext sniContext(List<KeyMaterial> certificates, List<SSLContext> contexts) {
        SNIContextMatcher.Builder matcher = new SNIContextMatcher.Builder().setDefaultContext(contexts.get(0));
        Set<String> claimed = new HashSet<>();
        for (boolean wildcards : new boolean[] {false, true}) {
            for (int i = 0; i < certificates.size(); i++) {
                for (String name : certificates.get(i).serverNames()) {
                    if (name.startsWith("*.") == wildcards && claimed.add(name)) {
                        String regex = wildcards ? "[^.]+" + Pattern.quote(name.substring(1)) : Pattern.quote(name);
                        matcher.addMatch(regex, contexts.get(i));
                    }
                }
            }
        }
        return new SNISSLContext(matcher.build());
    }

    static String openSslSpelling(String ianaName) {
        String name = ianaName;
        for (String[] rule : OPENSSL_SPELLING) {
            name = name.replaceAll(rule[0], rule[1]);
        }
        return name;
    }

    /** The requested names this engine supports, in the requested order; the rest are reported. */
    private static List<String> supported(String listener, String engine, String what, List<String> requested,
            String[] available, List<String> warnings) throws TlsMaterialException {
        Set<String> availableSet = new HashSet<>(Arrays.asList(available));
        List<String> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (String name : requested) {
            (availableSet.contains(name) ? kept : dropped).add(name);
        }
        if (kept.isEmpty()) {
            throw new TlsMaterialException(listener + ": the " + engine + " TLS engine supports none of the configured "
                    + what + " " + requested + "; configure some of " + Arrays.toString(available) + ".");
        }
        if (!dropped.isEmpty()) {
            warnings.add(listener + ": the " + engine + " TLS engine does not support the " + what + " " + dropped
                    + ", so they are not enabled.");
        }
        return List.copyOf(kept);
    }

    /**
     * TLS 1.2 suites name the certificate type (ECDHE_RSA vs ECDHE_ECDSA), so a suite list for the
     * wrong key type, or one without AEAD suites while h2 is offered, silently fails TLS 1.2 clients.
     */
    private static void checkTls12Suites(String listener, ServerTlsSettings settings, List<KeyMaterial> certificates,
            List<String> protocols, List<String> cipherSuites, List<String> warnings) {
        if (!protocols.contains("TLSv1.2")) {
            return;
        }
        for (String keyAlgorithm : List.of("RSA", "EC")) {
            String auth = keyAlgorithm.equals("EC") ? "_ECDSA_" : "_RSA_";
            boolean used = certificates.stream().anyMatch(c -> c.keyAlgorithm().equals(keyAlgorithm));
            if (used && cipherSuites.stream().noneMatch(s -> s.contains(auth))) {
                warnings.add(listener + " has " + keyAlgorithm + " certificates but no TLS 1.2 cipher suite for them"
                        + " (none contains " + auth + "), so TLS 1.2 clients cannot connect.");
            }
        }
        if (settings.applicationProtocols().contains("h2")
                && cipherSuites.stream().noneMatch(s -> H2_TLS12_SUITE.matcher(s).matches())) {
            warnings.add(listener + " offers h2 but no TLS 1.2 ECDHE/DHE suite with AES-GCM or CHACHA20, which HTTP/2"
                    + " clients on TLS 1.2 require (RFC 9113 section 9.2.2).");
        }
    }
}
