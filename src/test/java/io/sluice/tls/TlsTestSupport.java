package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.SSLSessionInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.xnio.OptionMap;

/** Shared fixtures: generated certificates (made once per JVM, RSA keygen is slow), an HTTPS Undertow, a client. */
final class TlsTestSupport {

    static final KeyMaterial RSA_LOCALHOST = cert("RSA", "localhost", "127.0.0.1");
    static final KeyMaterial EC_LOCALHOST = cert("EC", "localhost", "127.0.0.1");
    /** Two names on separate certificates, plus a wildcard one; all self-signed, so each is its own CA. */
    static final KeyMaterial RSA_A = cert("RSA", "a.test");
    static final KeyMaterial EC_B = cert("EC", "b.test");
    static final KeyMaterial RSA_B = cert("RSA", "b.test");
    static final KeyMaterial RSA_WILD = cert("RSA", "*.wild.test");

    private TlsTestSupport() {
    }

    static KeyMaterial cert(String algorithm, String... names) {
        return SelfSignedCertificate.generate(algorithm, List.of(names), Duration.ofDays(2));
    }

    /** A running Undertow HTTPS listener on 127.0.0.1 (port 0) that answers with the negotiated cipher suite. */
    static final class Server implements AutoCloseable {
        final Undertow undertow;
        final int port;

        Server(SSLContext context, boolean http2, OptionMap socketOptions) {
            Undertow.Builder builder = Undertow.builder()
                    .setIoThreads(1)
                    .setWorkerThreads(2)
                    .setServerOption(UndertowOptions.ENABLE_HTTP2, http2)
                    .addHttpsListener(0, "127.0.0.1", context)
                    .setHandler(exchange -> {
                        SSLSessionInfo ssl = exchange.getConnection().getSslSessionInfo();
                        exchange.getResponseSender().send(ssl.getSSLSession().getProtocol() + " " + ssl.getCipherSuite());
                    });
            socketOptions.forEach(option -> copy(builder, socketOptions, option));
            undertow = builder.build();
            undertow.start();
            port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        }

        Server(SSLContext context) {
            this(context, false, OptionMap.EMPTY);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static void copy(Undertow.Builder builder, OptionMap map, org.xnio.Option option) {
            builder.setSocketOption(option, map.get(option));
        }

        @Override
        public void close() {
            undertow.stop();
        }
    }

    /** GET https://host:port/ with the JDK HttpClient over the given client context. */
    static HttpResponse<String> get(SSLContext clientContext, String host, int port, HttpClient.Version version)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(clientContext)
                .version(version)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + "/"))
                .timeout(Duration.ofSeconds(5))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Runs a command (openssl, curl) and returns its combined output; fails the test on a non-zero exit. */
    static String run(Path directory, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(command));
        Process process = new ProcessBuilder(line).directory(directory.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), () -> String.join(" ", line) + " failed:\n" + output);
        return output;
    }
}
