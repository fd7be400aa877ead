package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.testing.RunningSluice;
import io.sluice.testing.UndertowBackend;
import io.sluice.testing.WireHttp;
import io.undertow.server.handlers.BlockingHandler;
import io.sluice.tls.TrustMaterial;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a client sends while its request is still being answered: Sluice leaves the connection's
 * read interest with the selector while a request is in flight and takes it out only when the
 * client sends more ({@code LazyReadSuspend}). Requests that arrive in that window — pipelined
 * behind a slow one, or sent before the response was read — must wait and then be answered in
 * order, over plain HTTP and over TLS, with nothing lost or answered twice.
 */
class ClientReadsIT {
    @TempDir
    static Path dir;
    static UndertowBackend backend;
    static RunningSluice sluice;

    @BeforeAll
    static void start() throws Exception {
        // answers after the delay its query asks for, echoing the path: a request that overtook
        // another, or was answered twice, shows in the order of the echoes
        backend = UndertowBackend.http(new BlockingHandler(exchange -> {
            String delay = exchange.getQueryParameters().containsKey("delay") ? exchange.getQueryParameters().get("delay").getFirst() : "0";
            Thread.sleep(Long.parseLong(delay));
            exchange.getResponseSender().send("echo " + exchange.getRequestPath());
        }));
        sluice = RunningSluice.start(dir, """
                sluice {
                  listeners = [
                    { name = plain, bind = "127.0.0.1:0" },
                    { name = tls, bind = "127.0.0.1:0", tls { self-signed = [localhost] } }
                  ]
                  routes = [ { prefix = "/", pool = app } ]
                  pools { app { members = [ { url = "http://127.0.0.1:%d" } ] } }
                }
                """.formatted(backend.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        sluice.close();
        backend.close();
    }

    private static Socket connect(String listener) throws Exception {
        InetSocketAddress address = sluice.address(listener);
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(15_000);
        if (listener.equals("tls")) {
            SSLSocket tls = (SSLSocket) TrustMaterial.clientContext(TrustMaterial.trustAll()).getSocketFactory()
                    .createSocket(socket, "localhost", address.getPort(), true);
            tls.startHandshake();
            return tls;
        }
        return socket;
    }

    private static String request(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    private static List<String> read(InputStream in, int responses) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < responses; i++) {
            WireHttp.Response response = WireHttp.readResponse(in);
            assertEquals(200, response.status(), response.toString());
            bodies.add(response.bodyText());
        }
        return bodies;
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tls"})
    void pipelinedBehindASlowRequestAreAnsweredInOrder(String listener) throws Exception {
        try (Socket socket = connect(listener)) {
            OutputStream out = socket.getOutputStream();
            out.write((request("/first?delay=300") + request("/second") + request("/third?delay=100") + request("/fourth"))
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertEquals(List.of("echo /first", "echo /second", "echo /third", "echo /fourth"), read(socket.getInputStream(), 4));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tls"})
    void aRequestSentWhileTheLastIsInFlightWaitsForIt(String listener) throws Exception {
        try (Socket socket = connect(listener)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int round = 0; round < 20; round++) {
                out.write(request("/slow-" + round + "?delay=50").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(10); // the first request is with the backend when the second arrives
                out.write(request("/next-" + round).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertEquals(List.of("echo /slow-" + round, "echo /next-" + round), read(in, 2));
            }
            // and the connection is still served one request at a time afterwards
            for (int i = 0; i < 50; i++) {
                out.write(request("/after-" + i).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertEquals(List.of("echo /after-" + i), read(in, 1));
            }
        }
    }
}
