package io.sluice.bench;

import com.typesafe.config.ConfigFactory;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.Protocols;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Inputs shared by the benchmarks: real configurations, loaded and validated by
 * {@link ConfigLoader} as Sluice loads its own, and requests as a browser sends them
 * during a WSO2 login (headers as Undertow's parser leaves them on the exchange).
 */
public final class Fixtures {

    /** bench/sluice-bench.conf (what bench/run.sh measures): /is-/ -> / and /, JSESSIONID route stickiness. */
    public static final String BENCH = """
            sluice {
              access-log { enabled = off }
              headers { request-id = "" }
              listeners = [ { name = http, bind = "127.0.0.1:58080", http2 = on } ]
              routes = [
                { prefix = "/is-/", pool = wso2-identity, rewrite = "/" }
                { prefix = "/", pool = wso2-identity }
              ]
              pools {
                wso2-identity {
                  method = round-robin
                  sticky { modes = [route], cookies = [JSESSIONID] }
                  members = [
                    { url = "http://127.0.0.1:18081", route = node1 }
                    { url = "http://127.0.0.1:18082", route = node2 }
                  ]
                  connections-per-thread = 128
                  cached-connections-per-thread = 128
                }
              }
            }
            """;

    /** examples/000-apim-is-path-split.conf without TLS files: eight prefix routes over three pools, internal origins. */
    public static final String SEED000 = """
            sluice {
              listeners = [ { name = http, bind = "0.0.0.0:8080" } ]
              deny-methods = [TRACE, OPTIONS]
              routes = [
                { prefix = "/apim-token", pool = apim-gateway, rewrite = "/token" }
                { prefix = "/apim-t", pool = apim-gateway, rewrite = "/t" }
                { prefix = "/apim-authenticationendpoint", pool = apim, rewrite = "/authenticationendpoint" }
                { prefix = "/apim-commonauth", pool = apim, rewrite = "/commonauth" }
                { prefix = "/apim-oauth2/authorize", pool = apim, rewrite = "/oauth2/authorize" }
                { prefix = "/is-samlsso", pool = is, rewrite = "/samlsso" }
                { prefix = "/is-authenticationendpoint", pool = is, rewrite = "/authenticationendpoint" }
                { prefix = "/is-commonauth", pool = is, rewrite = "/commonauth" }
              ]
              pools {
                apim-gateway {
                  members = [
                    { url = "http://10.0.1.11:8280", route = apim1 }
                    { url = "http://10.0.1.12:8280", route = apim2 }
                  ]
                }
                apim {
                  members = [
                    { url = "http://10.0.1.11:9763", route = apim1 }
                    { url = "http://10.0.1.12:9763", route = apim2 }
                  ]
                  internal-origins = ["http://localhost:9763", "https://localhost:9443", "https://localhost:9343"]
                }
                is {
                  members = [
                    { url = "http://10.0.2.11:9763", route = is1 }
                    { url = "http://10.0.2.12:9763", route = is2 }
                  ]
                  internal-origins = ["http://localhost:9763", "https://localhost:9443"]
                  response-timeout = 300s
                }
              }
            }
            """;

    /**
     * examples/004-apim-cluster-learn.conf with plain-http members: learned and inserted
     * stickiness over two active members and a standby, a least-busy gateway.
     */
    public static final String LEARN_INSERT = """
            sluice {
              listeners = [ { name = http, bind = "0.0.0.0:8080" } ]
              routes = [
                { prefix = "/", host = "gw.am.example.com", pool = apim-gateway }
                { prefix = "/", pool = apim-portals }
              ]
              pools {
                apim-portals {
                  members = [
                    { url = "http://10.0.1.11:9763" }
                    { url = "http://10.0.1.12:9763" }
                    { url = "http://10.0.1.13:9763", state = standby }
                  ]
                  sticky {
                    modes = [learn, insert]
                    cookies = [JSESSIONID]
                    learn { max-entries = 200000, session-timeout = 15m }
                    insert { cookie = SLUICEID, secure = auto, same-site = Lax }
                  }
                }
                apim-gateway {
                  method = least-busy
                  sticky.modes = []
                  members = [
                    { url = "http://10.0.1.11:8280" }
                    { url = "http://10.0.1.12:8280" }
                  ]
                }
              }
            }
            """;

    public static final String HOST = "sso.example.com";
    public static final String USER_AGENT =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public static final String ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
    /** A browser's Cookie header on the IS: analytics cookies first, the session (jvmRoute node2) in the middle. */
    public static final String COOKIE = "_ga=GA1.1.1234567890.1732000000; _ga_X1Y2Z3=GS1.1.1732000000.1.1.1732000100.0.0.0; "
            + "opbs=6d1c4f3a-9b2e-4c7d-8a1f-3e5b7c9d0f12; JSESSIONID=8F3A6C1D2E4B5A6978C1D2E3F4A5B6C7.node2; "
            + "commonAuthId=0b4f6c1e-2d3a-4e5f-9a8b-7c6d5e4f3a2b";

    private Fixtures() {
    }

    public static SluiceConfig load(String hocon) {
        try {
            return ConfigLoader.load(ConfigFactory.parseString(hocon), Path.of("bench.conf"), Path.of("."));
        } catch (ConfigException e) {
            throw new IllegalStateException("benchmark config refused: " + e.getMessage(), e);
        }
    }

    /**
     * A GET as Undertow's HTTP/1.1 parser hands it to the root handler: method, protocol,
     * scheme, URI (without the query) and query, and a browser's headers, from an
     * untrusted peer over plain http.
     */
    public static HttpServerExchange browserGet(String path, String query, String cookie) {
        BenchConnection connection = new BenchConnection(new InetSocketAddress("203.0.113.7", 51234),
                new InetSocketAddress("10.0.0.5", 8080));
        HttpServerExchange exchange = new HttpServerExchange(connection);
        exchange.setRequestMethod(Methods.GET);
        exchange.setProtocol(Protocols.HTTP_1_1);
        exchange.setRequestScheme("http");
        exchange.setRequestURI(path, false);
        exchange.setRequestPath(path);
        exchange.setRelativePath(path);
        exchange.setQueryString(query == null ? "" : query);
        HeaderMap headers = exchange.getRequestHeaders();
        headers.put(Headers.HOST, HOST);
        headers.put(Headers.USER_AGENT, USER_AGENT);
        headers.put(Headers.ACCEPT, ACCEPT);
        headers.put(Headers.ACCEPT_LANGUAGE, "en-US,en;q=0.9");
        headers.put(Headers.ACCEPT_ENCODING, "gzip, deflate, br, zstd");
        headers.put(Headers.REFERER, "http://" + HOST + "/is-/authenticationendpoint/login.do?client_id=abc&tenantDomain=carbon.super");
        headers.put(new HttpString("Upgrade-Insecure-Requests"), "1");
        headers.put(new HttpString("Sec-Fetch-Site"), "same-origin");
        headers.put(new HttpString("Sec-Fetch-Mode"), "navigate");
        headers.put(new HttpString("Sec-Fetch-Dest"), "document");
        if (cookie != null) {
            headers.put(Headers.COOKIE, cookie);
        }
        return exchange;
    }
}
