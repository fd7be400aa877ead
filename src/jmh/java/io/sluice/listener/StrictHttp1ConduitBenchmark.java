package io.sluice.listener;

import io.sluice.bench.Fixtures;
import io.sluice.http.Refusals;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.xnio.conduits.StreamSourceConduit;

/**
 * What strict HTTP/1.x parsing adds to every request: {@link StrictHttp1Conduit} scanning
 * a browser's GET head (about 900 bytes with its cookies) in a direct buffer, as the
 * listener's pooled buffers are, and a POST head with a 16 KiB Content-Length body, whose
 * body is skipped by counting. Each op is one complete request, so the scanner ends where
 * it started.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StrictHttp1ConduitBenchmark {
    StrictHttp1Conduit conduit;
    ByteBuffer browserGet;
    ByteBuffer post;

    @Setup
    public void setUp() throws Exception {
        // the scanner is driven directly; the conduit below it is never called
        StreamSourceConduit unused = (StreamSourceConduit) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {StreamSourceConduit.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        conduit = new StrictHttp1Conduit(unused, null, new Refusals("bench"));
        String get = "GET /is-/authenticationendpoint/login.do?client_id=abc HTTP/1.1\r\n"
                + "Host: " + Fixtures.HOST + "\r\n"
                + "User-Agent: " + Fixtures.USER_AGENT + "\r\n"
                + "Accept: " + Fixtures.ACCEPT + "\r\n"
                + "Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
                + "Referer: http://" + Fixtures.HOST + "/is-/authenticationendpoint/login.do?client_id=abc&tenantDomain=carbon.super\r\n"
                + "Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n"
                + "Cookie: " + Fixtures.COOKIE + "\r\n\r\n";
        browserGet = direct(get.getBytes(StandardCharsets.ISO_8859_1));
        byte[] head = ("POST /apim-token HTTP/1.1\r\nHost: " + Fixtures.HOST + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 16384\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] whole = new byte[head.length + 16384];
        System.arraycopy(head, 0, whole, 0, head.length);
        post = direct(whole);
        browserGetHead();
        browserGetHead();
        postWithBody();
    }

    private static ByteBuffer direct(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        return buffer;
    }

    @Benchmark
    public StrictHttp1Conduit browserGetHead() throws Exception {
        conduit.scan(browserGet, 0, browserGet.limit());
        return conduit;
    }

    @Benchmark
    public StrictHttp1Conduit postWithBody() throws Exception {
        conduit.scan(post, 0, post.limit());
        return conduit;
    }
}
