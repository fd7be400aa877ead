package io.sluice.pool;

import io.sluice.config.HealthConfig;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.xnio.ChannelListener;
import org.xnio.channels.StreamSourceChannel;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.ssl.XnioSsl;

/**
 * The active health check of one member: every interval, on an IO thread and without
 * blocking, a fresh connection over the member's own scheme and trust settings, one
 * request, and a verdict on status (and body text). Its own timeout, independent of the
 * pool's response timeout. rise consecutive passes make the member healthy, fall
 * consecutive failures unhealthy; the member logs each change once, with the reason.
 */
final class HealthCheck implements Runnable {
    private static final HttpString USER_AGENT = new HttpString("User-Agent");
    private static final int MAX_BODY = 64 * 1024;

    private final Member member;
    private final HealthConfig config;
    private final URI target;
    private final String path;
    private final String hostHeader;
    private final UndertowClient client;
    private final XnioIoThread ioThread;
    private final XnioSsl ssl;
    private final ByteBufferPool buffers;
    private volatile boolean stopped;
    private volatile XnioExecutor.Key next;
    private int passes;
    private int failures;

    HealthCheck(Member member, HealthConfig config, UndertowClient client, XnioIoThread ioThread, XnioSsl ssl, ByteBufferPool buffers) {
        this.member = member;
        this.config = config;
        URI url = member.config().url();
        this.target = URI.create(url.getScheme() + "://" + url.getRawAuthority());
        this.path = member.config().contextPath() + config.path();
        this.hostHeader = config.host().isEmpty() ? url.getRawAuthority() : config.host();
        this.client = client;
        this.ioThread = ioThread;
        this.ssl = ssl;
        this.buffers = buffers;
    }

    /** First check after a random part of the interval, so members are not probed in lockstep. */
    void start() {
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, config.interval().toMillis()));
        next = ioThread.executeAfter(this, jitter, TimeUnit.MILLISECONDS);
    }

    void stop() {
        stopped = true;
        XnioExecutor.Key scheduled = next;
        if (scheduled != null) {
            scheduled.remove();
        }
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        Probe probe = new Probe();
        probe.timer = ioThread.executeAfter(() -> probe.finish(false, "no answer within " + config.timeout().toMillis() + " ms"),
                config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            client.connect(probe, target, ioThread, ssl, buffers, OptionMap.EMPTY);
        } catch (RuntimeException e) {
            probe.finish(false, "cannot connect: " + e.getMessage());
        }
    }

    /** One check: connect, request, read, judge; whichever of answer, error or timer comes first decides. */
    private final class Probe extends AtomicBoolean implements ClientCallback<ClientConnection> {
        private static final long serialVersionUID = 1L;
        private XnioExecutor.Key timer;
        private volatile ClientConnection connection;

        @Override
        public void completed(ClientConnection result) {
            connection = result;
            if (get()) {
                IoUtils.safeClose(result);
                return;
            }
            ClientRequest request = new ClientRequest().setMethod(new HttpString(config.method())).setPath(path);
            request.getRequestHeaders().put(Headers.HOST, hostHeader);
            request.getRequestHeaders().put(USER_AGENT, "sluice-health-check");
            request.getRequestHeaders().put(Headers.CONNECTION, "close");
            result.sendRequest(request, new ClientCallback<>() {
                @Override
                public void completed(ClientExchange exchange) {
                    exchange.setResponseListener(new ClientCallback<>() {
                        @Override
                        public void completed(ClientExchange answered) {
                            judge(answered);
                        }

                        @Override
                        public void failed(IOException e) {
                            finish(false, "no response: " + e.getMessage());
                        }
                    });
                }

                @Override
                public void failed(IOException e) {
                    finish(false, "request failed: " + e.getMessage());
                }
            });
        }

        @Override
        public void failed(IOException e) {
            finish(false, "cannot connect: " + e.getMessage());
        }

        private void judge(ClientExchange exchange) {
            int status = exchange.getResponse().getResponseCode();
            if (!config.accepts(status)) {
                finish(false, "status " + status + " outside " + config.statusFrom() + "-" + config.statusTo());
                return;
            }
            if (config.expectBody().isEmpty()) {
                finish(true, "status " + status);
                return;
            }
            readBody(exchange.getResponseChannel(), body -> {
                if (body == null) {
                    finish(false, "status " + status + " but the body could not be read");
                } else if (body.contains(config.expectBody())) {
                    finish(true, "status " + status + " and the expected body");
                } else {
                    finish(false, "status " + status + " but the body lacks \"" + config.expectBody() + "\"");
                }
            });
        }

        /** Reads at most MAX_BODY bytes (a misdirected check must not buffer a download), then judges what it has. */
        private void readBody(StreamSourceChannel channel, java.util.function.Consumer<String> judge) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            ChannelListener<StreamSourceChannel> reader = source -> {
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                try {
                    int read;
                    while ((read = source.read(buffer)) > 0) {
                        body.write(buffer.array(), 0, read);
                        buffer.clear();
                        if (body.size() >= MAX_BODY) {
                            source.suspendReads();
                            judge.accept(body.toString(StandardCharsets.UTF_8));
                            return;
                        }
                    }
                    if (read == -1) {
                        source.suspendReads();
                        judge.accept(body.toString(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    source.suspendReads();
                    judge.accept(null);
                }
            };
            channel.getReadSetter().set(reader);
            reader.handleEvent(channel);
            if (channel.isOpen()) {
                channel.resumeReads();
            }
        }

        void finish(boolean passed, String reason) {
            if (!compareAndSet(false, true)) {
                return;
            }
            if (timer != null) {
                timer.remove();
            }
            IoUtils.safeClose(connection);
            record(passed, reason);
            if (!stopped) {
                next = ioThread.executeAfter(HealthCheck.this, config.interval().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void record(boolean passed, String reason) {
        member.checked(passed, reason);
        if (passed) {
            failures = 0;
            passes++;
            if (!member.healthy() && passes >= config.rise()) {
                member.health(true, reason + " (" + passes + " checks in a row)");
            }
        } else {
            passes = 0;
            failures++;
            if (member.healthy() && failures >= config.fall()) {
                member.health(false, reason + " (" + failures + " checks in a row)");
            }
        }
    }
}
