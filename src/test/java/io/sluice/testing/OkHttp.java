package io.sluice.testing;

import java.time.Duration;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/** An OkHttp client for tests: trusts the test certificates, follows no redirects, lets us set Host. */
public final class OkHttp {
    private OkHttp() {
    }

    public static OkHttpClient client() {
        X509TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll}, null);
            return new OkHttpClient.Builder()
                    .sslSocketFactory(context.getSocketFactory(), trustAll)
                    .hostnameVerifier((host, session) -> true)
                    .followRedirects(false)
                    .followSslRedirects(false)
                    .retryOnConnectionFailure(false)
                    .callTimeout(Duration.ofSeconds(20))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
