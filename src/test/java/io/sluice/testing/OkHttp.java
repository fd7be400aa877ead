package io.sluice.testing;

import io.sluice.tls.TrustMaterial;
import java.time.Duration;
import javax.net.ssl.X509ExtendedTrustManager;
import okhttp3.OkHttpClient;

/** An OkHttp client for tests: trusts the test certificates, follows no redirects, lets us set Host. */
public final class OkHttp {
    private OkHttp() {
    }

    public static OkHttpClient client() {
        X509ExtendedTrustManager trustAll = TrustMaterial.trustAll();
        return new OkHttpClient.Builder()
                .sslSocketFactory(TrustMaterial.clientContext(trustAll).getSocketFactory(), trustAll)
                .hostnameVerifier((host, session) -> true)
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .callTimeout(Duration.ofSeconds(20))
                .build();
    }
}
