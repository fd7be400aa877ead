package io.sluice.backend;

import io.undertow.client.ClientResponse;
import io.undertow.client.http.UndertowResponseParsing;
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

/**
 * A backend response head as WSO2 Identity Server (Tomcat) sends its login page, about
 * 700 bytes: 15 fields, two Set-Cookie, Tomcat's status line without a reason phrase.
 * {@link #sluice} is {@link ResponseHeadParser} as {@link BackendConnection} runs it
 * (scan for the end over the read buffer's array, then parse into a ClientResponse);
 * {@link #undertow} is Undertow's client parser as its HttpClientConnection runs it (over
 * a direct read buffer, a builder per response). Each op is one whole head.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ResponseHeadBenchmark {
    static final String HEAD = "HTTP/1.1 200 \r\n"
            + "X-Frame-Options: DENY\r\n"
            + "X-Content-Type-Options: nosniff\r\n"
            + "X-XSS-Protection: 1; mode=block\r\n"
            + "Cache-Control: no-store, no-cache, must-revalidate, private\r\n"
            + "Pragma: no-cache\r\n"
            + "Expires: 0\r\n"
            + "Set-Cookie: JSESSIONID=8C1B9E4F0A2D3C5B6A7E8F9012345678; Path=/authenticationendpoint; Secure; HttpOnly; SameSite=Lax\r\n"
            + "Set-Cookie: opbs=6f1c8a9e-2b3d-4e5f-8a7b-9c0d1e2f3a4b; Path=/; Secure; SameSite=None\r\n"
            + "Content-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'self'\r\n"
            + "Content-Type: text/html;charset=UTF-8\r\n"
            + "Content-Language: en-US\r\n"
            + "Content-Length: 10240\r\n"
            + "Date: Mon, 07 Dec 2026 10:00:00 GMT\r\n"
            + "Keep-Alive: timeout=60\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    byte[] bytes;
    ByteBuffer direct;
    ResponseHeadParser parser;

    @Setup
    public void setUp() throws Exception {
        bytes = HEAD.getBytes(StandardCharsets.ISO_8859_1);
        direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).flip();
        parser = new ResponseHeadParser(64 * 1024);
        if (sluice().getResponseHeaders().size() != 14 || undertow().getResponseHeaders().size() != 14) {
            throw new IllegalStateException("both parsers must read the same 14 field names");
        }
    }

    @Benchmark
    public ClientResponse sluice() throws Exception {
        parser.beginHead(0);
        if (parser.scan(bytes, bytes.length) != bytes.length) {
            throw new IllegalStateException("the head did not end");
        }
        return parser.parseHead(bytes);
    }

    @Benchmark
    public ClientResponse undertow() throws Exception {
        direct.position(0);
        return UndertowResponseParsing.parse(direct);
    }
}
