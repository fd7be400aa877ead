package io.undertow.client.http;

import io.undertow.client.ClientResponse;
import java.nio.ByteBuffer;

/**
 * Undertow's own client-side response parser, reachable only from its package: what
 * {@code HttpClientConnection} does with a response head (a new builder per response,
 * the parser over the read buffer, then the ClientResponse). For ResponseHeadBenchmark.
 */
public final class UndertowResponseParsing {
    private UndertowResponseParsing() {
    }

    public static ClientResponse parse(ByteBuffer head) throws Exception {
        HttpResponseBuilder builder = new HttpResponseBuilder();
        ResponseParser.INSTANCE.handle(head, builder.getParseState(), builder);
        if (!builder.getParseState().isComplete()) {
            throw new IllegalStateException("the head did not end");
        }
        return builder.build();
    }
}
