package io.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.clientcert.CertificateEncoding;
import io.sluice.clientcert.ClientCertificateHeader;
import io.sluice.testing.TestCertificates;
import io.sluice.tls.ClientAuthMode;
import io.sluice.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tls.client-auth / client-ca / client-crl and client-certificate-header: what loads, and every mistake named by key and file. */
class ClientCertificateConfigTest {
    private static final TestPki.Ca CA = TestPki.ca("Config Test CA");

    @TempDir
    Path dir;

    private static final String POOL = "pools { apim { members = [ { url = \"http://127.0.0.1:8280\" } ] } }\n";

    private String https(String tls) {
        TestCertificates.PemFiles server = TestCertificates.write(dir, "RSA", "localhost");
        return "listeners = [ { name = https, bind = \"127.0.0.1:0\", tls { engine = jdk, " + server.hocon() + ", " + tls + " } } ]\n";
    }

    private Path ca() {
        return TestPki.writeCertificates(dir.resolve("ca.pem"), CA.certificate());
    }

    private SluiceConfig load(String body) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + body + "}\n");
        return ConfigLoader.load(file);
    }

    private String problems(String body) throws Exception {
        Path file = dir.resolve("sluice.conf");
        Files.writeString(file, "sluice {\n" + body + "}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        return String.join("\n", e.problems().stream().map(Problem::render).toList());
    }

    private static final String ROUTE = "routes = [ { prefix = \"/\", pool = apim } ]\n";

    @Test
    void requiredWithCaAndCrlInPemOrDerLoads() throws Exception {
        Path crlPem = TestPki.writeCrlPem(dir.resolve("crl.pem"), TestPki.crl(CA, Duration.ofDays(1)));
        Path crlDer = TestPki.writeCrlDer(dir.resolve("crl.der"), TestPki.crl(CA, Duration.ofDays(1)));
        for (Path crl : List.of(crlPem, crlDer)) {
            SluiceConfig config = load(https("client-auth = required, client-ca = \"" + ca() + "\", client-crl = \"" + crl + "\"")
                    + ROUTE + POOL);
            ClientAuthConfig clientAuth = config.listeners().get(0).tls().clientAuth();
            assertEquals(ClientAuthMode.REQUIRED, clientAuth.mode());
            assertEquals(crl, clientAuth.crl());
            assertEquals(1, clientAuth.crls().size());
            assertTrue(clientAuth.trust().enabled());
        }
        assertEquals(ClientAuthConfig.NONE, load(https("self-signed = [x]") + ROUTE + POOL).listeners().get(0).tls().clientAuth());
    }

    @Test
    void caProblemsNameTheKeyAndTheFile() throws Exception {
        String missing = problems(https("client-auth = optional") + ROUTE + POOL);
        assertTrue(missing.contains("sluice.listeners[0].tls.client-ca: client-auth = optional needs the CAs"), missing);

        Path absent = dir.resolve("no-such-ca.pem");
        String notThere = problems(https("client-auth = required, client-ca = \"" + absent + "\"") + ROUTE + POOL);
        assertTrue(notThere.contains("sluice.listeners[0].tls.client-ca: The TLS CA bundle " + absent + " does not exist"), notThere);

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        String notPem = problems(https("client-auth = required, client-ca = \"" + garbage + "\"") + ROUTE + POOL);
        assertTrue(notPem.contains("sluice.listeners[0].tls.client-ca: The TLS CA bundle " + garbage + " contains no PEM CERTIFICATE"),
                notPem);

        String without = problems(https("client-ca = \"" + ca() + "\"") + ROUTE + POOL);
        assertTrue(without.contains("sluice.listeners[0].tls.client-ca: set, but client-auth = none"), without);

        String mode = problems(https("client-auth = sometimes, client-ca = \"" + ca() + "\"") + ROUTE + POOL);
        assertTrue(mode.contains("sluice.listeners[0].tls.client-auth: unknown value \"sometimes\""), mode);
        assertTrue(mode.contains("use none, optional, required"), mode);
    }

    @Test
    void crlProblemsNameTheKeyAndTheFile() throws Exception {
        String prefix = "client-auth = required, client-ca = \"" + ca() + "\", client-crl = ";
        Path garbage = Files.writeString(dir.resolve("garbage.crl"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        String notCrl = problems(https(prefix + "\"" + garbage + "\"") + ROUTE + POOL);
        assertTrue(notCrl.contains("sluice.listeners[0].tls.client-crl: The TLS CRL file " + garbage + " is not a CRL"), notCrl);

        Path absent = dir.resolve("none.crl");
        String notThere = problems(https(prefix + "\"" + absent + "\"") + ROUTE + POOL);
        assertTrue(notThere.contains("sluice.listeners[0].tls.client-crl: The TLS CRL file " + absent + " does not exist"), notThere);

        Path expired = TestPki.writeCrlPem(dir.resolve("expired.crl"), TestPki.crl(CA, Duration.ofMinutes(-30)));
        String old = problems(https(prefix + "\"" + expired + "\"") + ROUTE + POOL);
        assertTrue(old.contains("sluice.listeners[0].tls.client-crl: The CRL of CN=Config Test CA in " + expired + " expired at"), old);

        // same issuer name, another key: a CRL the configured CA never signed
        Path forged = TestPki.writeCrlPem(dir.resolve("forged.crl"), TestPki.crl(TestPki.ca("Config Test CA"), Duration.ofDays(1)));
        String unsigned = problems(https(prefix + "\"" + forged + "\"") + ROUTE + POOL);
        assertTrue(unsigned.contains("sluice.listeners[0].tls.client-crl: The CRL of CN=Config Test CA in " + forged
                + " is not signed by that CA's certificate"), unsigned);
    }

    @Test
    void theAdminListenerTakesNoClientCertificates() throws Exception {
        TestCertificates.PemFiles server = TestCertificates.write(dir, "RSA", "localhost");
        String admin = problems(https("self-signed = [x]") + ROUTE + POOL + "admin { bind = \"127.0.0.1:0\", tls { " + server.hocon()
                + ", client-auth = required, client-ca = \"" + ca() + "\" } }\n");
        assertTrue(admin.contains("sluice.admin.tls.client-auth: client certificates are not supported on the admin listener"), admin);
    }

    @Test
    void headerPresetsAndRouteOverrides() throws Exception {
        SluiceConfig config = load("listeners = [ { name = http, bind = \"127.0.0.1:0\" } ]\n"
                + "routes = [ { prefix = \"/\", pool = apim }\n"
                + "  { prefix = \"/off\", pool = apim, client-certificate-header { preset = off } }\n"
                + "  { prefix = \"/rfc\", pool = apim, client-certificate-header { preset = rfc9440 } }\n"
                + "  { prefix = \"/custom\", pool = apim, client-certificate-header { preset = custom, name = SSL-CLIENT-CERT, encoding = pem } }\n"
                + "  { prefix = \"/other\", pool = other }\n"
                + "  { prefix = \"/gone\", status = 404 } ]\n"
                + "pools { apim { members = [ { url = \"http://127.0.0.1:8280\" } ], client-certificate-header { preset = wso2 } }\n"
                + "  other { members = [ { url = \"http://127.0.0.1:8281\" } ],"
                + " client-certificate-header { preset = wso2, name = ssl-client-cert, encoding = pem } } }\n");
        List<RouteConfig> routes = config.routes();
        assertEquals(ClientCertificateHeader.wso2("X-WSO2-CLIENT-CERTIFICATE", CertificateEncoding.URL_ENCODED_PEM),
                routes.get(0).clientCertificateHeader(), "the pool's, with APIM's defaults");
        assertNull(routes.get(1).clientCertificateHeader());
        assertEquals(ClientCertificateHeader.rfc9440(), routes.get(2).clientCertificateHeader());
        assertEquals(ClientCertificateHeader.custom("SSL-CLIENT-CERT", CertificateEncoding.PEM), routes.get(3).clientCertificateHeader());
        assertEquals(ClientCertificateHeader.wso2("ssl-client-cert", CertificateEncoding.PEM), routes.get(4).clientCertificateHeader());
        assertNull(routes.get(5).clientCertificateHeader());
        assertEquals(List.of("x-wso2-client-certificate", "x_wso2_client_certificate", "client-cert", "client_cert",
                "client-cert-chain", "client_cert_chain", "ssl-client-cert", "ssl_client_cert"),
                ClientCertificateHeader.namesToStrip(routes.stream().map(RouteConfig::clientCertificateHeader).toList()));
        assertNull(load("listeners = [ { name = http, bind = \"127.0.0.1:0\" } ]\n" + ROUTE + POOL).routes().get(0).clientCertificateHeader(),
                "off by default");
    }

    /** The problems of a config whose one route sets client-certificate-header { header }. */
    private String routeHeaderProblems(String header) throws Exception {
        return problems("listeners = [ { name = http, bind = \"127.0.0.1:0\" } ]\n"
                + "routes = [ { prefix = \"/\", pool = apim, client-certificate-header { " + header + " } } ]\n" + POOL);
    }

    @Test
    void headerMistakesAreLocated() throws Exception {
        String listener = "listeners = [ { name = http, bind = \"127.0.0.1:0\" } ]\n";
        String preset = problems(listener + ROUTE + "pools { apim { members = [ { url = \"http://127.0.0.1:8280\" } ],"
                + " client-certificate-header { preset = wso3 } } }\n");
        assertTrue(preset.contains("sluice.pools.apim.client-certificate-header.preset: unknown preset \"wso3\""), preset);
        assertTrue(preset.contains("did you mean \"wso2\"?"), preset);

        String custom = routeHeaderProblems("preset = custom, encoding = pem");
        assertTrue(custom.contains("sluice.routes[0].client-certificate-header.name: preset = custom needs a header name and an encoding"),
                custom);

        String der = routeHeaderProblems("preset = wso2, encoding = base64-der");
        assertTrue(der.contains("client-certificate-header.encoding: API Manager reads url-encoded-pem"), der);

        String encoding = routeHeaderProblems("preset = custom, name = X-Cert, encoding = der");
        assertTrue(encoding.contains("client-certificate-header.encoding: unknown encoding \"der\""), encoding);

        String rfc = routeHeaderProblems("preset = rfc9440, name = X-Cert");
        assertTrue(rfc.contains("client-certificate-header.name: RFC 9440 fixes the names"), rfc);

        String host = routeHeaderProblems("preset = custom, name = Host, encoding = pem");
        assertTrue(host.contains("client-certificate-header.name: \"Host\" is a header Sluice or HTTP itself sets"), host);

        String fixed = problems(listener + "routes = [ { prefix = \"/\", pool = apim }\n"
                + "  { prefix = \"/x\", status = 404, client-certificate-header { preset = wso2 } } ]\n" + POOL);
        assertTrue(fixed.contains("sluice.routes[1].client-certificate-header: a fixed-status route sends nothing to a backend"), fixed);

        String unknown = routeHeaderProblems("preset = wso2, encode = pem");
        assertTrue(unknown.contains("sluice.routes[0].client-certificate-header.encode: unknown key \"encode\""), unknown);
    }
}
