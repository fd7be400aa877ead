package io.sluice.clientcert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.tls.TestPki;
import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Each header encoding, read back the way its consumer reads it (API Manager, RFC 9440, plain base64). */
class CertificateEncodingTest {
    private static final X509Certificate CLIENT = TestPki.client(TestPki.ca("Encoding Test CA"), "client").leaf();

    @Test
    void urlEncodedPemIsWhatApiManagerDecodesByDefault() throws Exception {
        String header = CertificateEncoding.URL_ENCODED_PEM.encode(CLIENT.getEncoded());
        assertTrue(header.startsWith("-----BEGIN%20CERTIFICATE-----%0A"), header);
        assertTrue(header.endsWith("%0A-----END%20CERTIFICATE-----%0A"), header);
        assertTrue(header.matches("[A-Za-z0-9._~%-]+"), "only unreserved characters and escapes: " + header);
        assertFalse(header.contains("+"), "a space is %20, never the form-encoding '+'");
        // APIM (client_certificate_encode = true): URL-decode, strip the PEM lines, base64-decode
        String pem = URLDecoder.decode(header, StandardCharsets.UTF_8);
        String body = pem.replace("-----BEGIN CERTIFICATE-----", "").replace("-----END CERTIFICATE-----", "").trim();
        assertArrayEquals(CLIENT.getEncoded(), Base64.getMimeDecoder().decode(body));
        // and it is an ordinary PEM file once decoded, 64-character lines
        assertEquals(CLIENT, parse(pem));
        for (String line : pem.split("\n")) {
            assertTrue(line.length() <= 64, line);
        }
    }

    @Test
    void pemIsOneLineThatApiManagerTurnsBackIntoPem() throws Exception {
        String header = CertificateEncoding.PEM.encode(CLIENT.getEncoded());
        assertTrue(header.startsWith("-----BEGIN CERTIFICATE----- MII"), header);
        assertTrue(header.endsWith(" -----END CERTIFICATE-----"), header);
        assertFalse(header.contains("\n") || header.contains("\r"), header);
        // APIM (client_certificate_encode = false): drop the markers, spaces back to line breaks, re-wrap
        String body = header.replace("-----BEGIN CERTIFICATE----- ", "").replace("-----END CERTIFICATE-----", "").replace(' ', '\n');
        assertEquals(CLIENT, parse("-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----\n"));
    }

    @Test
    void base64DerAndStructuredFieldByteSequence() throws Exception {
        String base64 = CertificateEncoding.BASE64_DER.encode(CLIENT.getEncoded());
        assertArrayEquals(CLIENT.getEncoded(), Base64.getDecoder().decode(base64));
        assertEquals(":" + base64 + ":", CertificateEncoding.BYTE_SEQUENCE.encode(CLIENT.getEncoded()), "RFC 8941 section 3.3.5");
    }

    @Test
    void percentEncodingKeepsOnlyUnreservedCharacters() {
        assertEquals("aZ09-._~%20%0A%2B%2F%3D%25", CertificateEncoding.percentEncode("aZ09-._~ \n+/=%"));
    }

    @Test
    void configNamesAreTheDocumentedOnes() {
        assertEquals("url-encoded-pem", CertificateEncoding.URL_ENCODED_PEM.configName());
        assertEquals("pem", CertificateEncoding.PEM.configName());
        assertEquals("base64-der", CertificateEncoding.BASE64_DER.configName());
    }

    private static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
