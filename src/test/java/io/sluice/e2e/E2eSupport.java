package io.sluice.e2e;

import io.sluice.listener.RunningListener;
import io.sluice.runtime.SluiceServer;
import io.sluice.testing.RunningSluice;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Small pieces the end-to-end tests share: config snippets and certificate inspection. */
final class E2eSupport {
    private E2eSupport() {
    }

    /** A sluice { } config with the given listeners, one route "/" to pool "app" with the member URLs, and extra top-level lines. */
    static String config(String listeners, String extra, String poolExtra, String... memberUrls) {
        StringBuilder members = new StringBuilder();
        for (String url : memberUrls) {
            // Comma-separated: adjacent HOCON objects without one would be merged into one member.
            members.append(members.length() == 0 ? "" : ", ").append("{ url = \"").append(url).append("\" } ");
        }
        return "sluice {\n"
                + "  listeners = [ " + listeners + " ]\n"
                + "  routes = [ { prefix = \"/\", pool = app } ]\n"
                + "  pools { app { members = [ " + members + "]\n" + poolExtra + "\n } }\n"
                + extra + "\n"
                + "}\n";
    }

    /** Sluice with an https listener (this engine, an RSA certificate for localhost) and a plain one, in front of one backend. */
    static RunningSluice httpsAndPlain(java.nio.file.Path dir, String engine, int backendPort) throws Exception {
        io.sluice.testing.TestCertificates.PemFiles cert = io.sluice.testing.TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
        return RunningSluice.start(dir, config(
                "{ name = https, bind = \"127.0.0.1:0\", tls { engine = " + engine + ", " + cert.hocon() + " } }\n"
                        + "{ name = plain, bind = \"127.0.0.1:0\", h2c = on }",
                "", "", "http://127.0.0.1:" + backendPort));
    }

    /** The DNS and IP subjectAltNames of a certificate. */
    static List<String> subjectAltNames(X509Certificate certificate) throws CertificateParsingException {
        List<String> names = new ArrayList<>();
        Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                names.add(String.valueOf(san.get(1)));
            }
        }
        return names;
    }

    /** The startup description of a listener (e.g. "https h2, TLS engine openssl (OpenSSL 3...)"), as logged at start. */
    static String listenerDescription(RunningSluice sluice, String listener) {
        return sluice.server().describe(listener);
    }
}
