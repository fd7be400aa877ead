package io.sluice.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import io.sluice.tls.TrustMaterial;
import javax.net.ssl.SSLContext;

/** JDK HttpClient helpers for tests. */
public final class Http {
    private Http() {
    }

    /** HTTP/1.1, no redirects followed, trusting any certificate (test listeners use self-signed ones). */
    public static HttpClient client() {
        return builder().version(HttpClient.Version.HTTP_1_1).build();
    }

    public static HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(trustingContext());
    }

    public static HttpResponse<String> get(HttpClient client, URI uri, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A client context that trusts any certificate and name (test listeners use self-signed ones). */
    public static SSLContext trustingContext() {
        return TrustMaterial.clientContext(TrustMaterial.trustAll());
    }
}
