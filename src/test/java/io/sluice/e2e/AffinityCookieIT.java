package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.Http;
import io.sluice.testing.Node;
import io.sluice.testing.RunningSluice;
import io.sluice.testing.TestCertificates;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice's affinity cookie by default: SameSite=None with Secure over https, so that the
 * cross-site POST of a SAML POST binding or an OIDC form_post carries it back to the same
 * member; Lax over plain http, where browsers would refuse None.
 */
class AffinityCookieIT {
    @TempDir
    Path dir;

    @Test
    void noneAndSecureOverHttpsLaxOverHttp() throws Exception {
        try (Node a = Node.start("a", Node.Sessions.NONE)) {
            TestCertificates.PemFiles cert = TestCertificates.write(dir, "RSA", "localhost", "127.0.0.1");
            try (RunningSluice sluice = RunningSluice.start(dir, E2eSupport.config(
                    "{ name = https, bind = \"127.0.0.1:0\", tls { engine = jdk, " + cert.hocon() + " } }\n"
                            + "{ name = plain, bind = \"127.0.0.1:0\" }",
                    "", "sticky.modes = [insert]", a.url()))) {
                String secure = Http.get(Http.client(), sluice.uri("https", "/")).headers().firstValue("Set-Cookie").orElse("");
                assertTrue(secure.matches("SLUICEID=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=None; Secure"), secure);
                String plain = Http.get(Http.client(), sluice.uri("plain", "/")).headers().firstValue("Set-Cookie").orElse("");
                assertTrue(plain.matches("SLUICEID=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=Lax"), plain);
            }
        }
    }
}
