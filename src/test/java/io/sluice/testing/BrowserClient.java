package io.sluice.testing;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A client that behaves as a browser does for redirects and cookies: it keeps cookies in a
 * jar (path and Secure matching; a cookie whose Path does not cover the page that set it
 * is dropped, as strict clients do) and follows 301/302/303 with GET and 307/308 with the
 * same request, one hop at a time, recording every Location value exactly as the server
 * sent it.
 */
public final class BrowserClient {
    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient client = Http.builder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies).build();
    private final List<String> locations = new ArrayList<>();
    private final String origin;

    /**
     * @param origin scheme://host:port this browser's flows must stay on: a redirect
     *               elsewhere (a backend's internal address that leaked) fails the test
     *               with the Location in the message instead of a connection error
     */
    public BrowserClient(URI origin) {
        this.origin = origin.getScheme() + "://" + origin.getAuthority();
    }

    /** Every Location header seen so far, as sent. */
    public List<String> locations() {
        return List.copyOf(locations);
    }

    public List<HttpCookie> cookies() {
        return cookies.getCookieStore().getCookies();
    }

    /** GETs {@code uri} and follows redirects; returns the last response (a non-redirect). */
    public HttpResponse<String> get(URI uri) throws Exception {
        return follow(HttpRequest.newBuilder(uri).GET());
    }

    /** POSTs the fields as application/x-www-form-urlencoded and follows redirects. */
    public HttpResponse<String> postForm(URI uri, Map<String, String> fields) throws Exception {
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return follow(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> follow(HttpRequest.Builder first) throws Exception {
        HttpRequest request = first.timeout(Duration.ofSeconds(20)).build();
        for (int hop = 0; hop < 20; hop++) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            String location = response.headers().firstValue("Location").orElse(null);
            int status = response.statusCode();
            if (location == null || status < 300 || status > 399) {
                return response;
            }
            locations.add(location);
            // What a browser requests: '\' in a path is '/' to it (WHATWG URL), then the reference is resolved.
            URI next = request.uri().resolve(location.replace('\\', '/'));
            if (!(next.getScheme() + "://" + next.getAuthority()).equalsIgnoreCase(origin)) {
                throw new AssertionError("a redirect leaves " + origin + ": Location: " + location + " (after " + locations + ")");
            }
            HttpRequest.Builder builder = HttpRequest.newBuilder(next).timeout(Duration.ofSeconds(20));
            if (status == 307 || status == 308) {
                builder.method(request.method(), request.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()));
                request.headers().firstValue("Content-Type").ifPresent(type -> builder.header("Content-Type", type));
            } else {
                builder.GET();
            }
            request = builder.build();
        }
        throw new IllegalStateException("more than 20 redirects from " + first.build().uri());
    }
}
