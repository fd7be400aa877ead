package io.sluice.backend;

import io.undertow.UndertowOptions;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientProvider;
import io.undertow.client.http.HttpClientProvider;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.xnio.ChannelListener;
import org.xnio.IoFuture;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.ssl.SslConnection;
import org.xnio.ssl.XnioSsl;

/**
 * Opens {@link BackendConnection}s for http and https URIs: Undertow's
 * {@link io.undertow.client.UndertowClient} finds it through {@link BackendClients}, and
 * Undertow's connection pool and the health checks use it unchanged.
 *
 * <p>TLS is opened as Undertow's own client opens it: the pool's {@link XnioSsl} (its
 * SSLContext and trust), the member's host name for SNI and, unless Undertow's
 * {@code io.undertow.client.https.disableEndpointIdentification} property says otherwise,
 * host-name verification; ALPN offers only http/1.1. The connect options' READ_TIMEOUT
 * is the response timeout: taken out of the socket's options (XNIO would check it on every
 * read of its own) and kept by the connection's single timer instead.
 */
public final class BackendClientProvider implements ClientProvider {
    private static final String[] HTTP_1_1 = {"http/1.1"};

    @Override
    public Set<String> handlesSchemes() {
        return Set.of("http", "https");
    }

    @Override
    public void connect(ClientCallback<ClientConnection> listener, URI uri, XnioWorker worker, XnioSsl ssl, ByteBufferPool bufferPool,
                        OptionMap options) {
        connect(listener, null, uri, worker.getIoThread(), ssl, bufferPool, options);
    }

    @Override
    public void connect(ClientCallback<ClientConnection> listener, InetSocketAddress bindAddress, URI uri, XnioWorker worker, XnioSsl ssl,
                        ByteBufferPool bufferPool, OptionMap options) {
        connect(listener, bindAddress, uri, worker.getIoThread(), ssl, bufferPool, options);
    }

    @Override
    public void connect(ClientCallback<ClientConnection> listener, URI uri, XnioIoThread ioThread, XnioSsl ssl, ByteBufferPool bufferPool,
                        OptionMap options) {
        connect(listener, null, uri, ioThread, ssl, bufferPool, options);
    }

    @Override
    public void connect(ClientCallback<ClientConnection> listener, InetSocketAddress bindAddress, URI uri, XnioIoThread ioThread, XnioSsl ssl,
                        ByteBufferPool bufferPool, OptionMap options) {
        int timeoutMillis = options.get(Options.READ_TIMEOUT, 0);
        IntSupplier maxHead = options.get(BackendClients.MAX_HEAD_SIZE);
        int headLimit = maxHead != null ? maxHead.getAsInt() : BackendClients.DEFAULT_MAX_HEAD_SIZE;
        OptionMap socketOptions = without(options, Options.READ_TIMEOUT, BackendClients.MAX_HEAD_SIZE);
        boolean tls = "https".equals(uri.getScheme());
        InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80);
        IoFuture<? extends StreamConnection> future;
        if (tls) {
            if (ssl == null) {
                listener.failed(new IOException("an https member needs TLS settings"));
                return;
            }
            OptionMap tlsOptions = OptionMap.builder()
                    .set(UndertowOptions.ENDPOINT_IDENTIFICATION_ALGORITHM, HttpClientProvider.DISABLE_HTTPS_ENDPOINT_IDENTIFICATION ? "" : "HTTPS")
                    .addAll(socketOptions)
                    .set(Options.SSL_STARTTLS, true)
                    .getMap();
            ChannelListener<SslConnection> opened = connection -> {
                try {
                    offerHttp11(connection);
                    connection.startHandshake();
                } catch (IOException | RuntimeException e) {
                    org.xnio.IoUtils.safeClose(connection);
                    listener.failed(e instanceof IOException io ? io : new IOException(e));
                    return;
                }
                listener.completed(new BackendConnection(connection, bufferPool, timeoutMillis, headLimit));
            };
            future = bindAddress == null ? ssl.openSslConnection(ioThread, address, opened, tlsOptions)
                    : ssl.openSslConnection(ioThread, bindAddress, address, opened, tlsOptions);
        } else {
            ChannelListener<StreamConnection> opened =
                    connection -> listener.completed(new BackendConnection(connection, bufferPool, timeoutMillis, headLimit));
            future = bindAddress == null ? ioThread.openStreamConnection(address, opened, socketOptions)
                    : ioThread.openStreamConnection(bindAddress, address, opened, null, socketOptions);
        }
        future.addNotifier((done, attachment) -> {
            if (done.getStatus() == IoFuture.Status.FAILED) {
                listener.failed(done.getException());
            }
        }, null);
    }

    /** ALPN with http/1.1 alone, as Undertow's client offers it when HTTP/2 is off. */
    private static void offerHttp11(SslConnection connection) {
        SSLEngine engine;
        try {
            engine = UndertowXnioSsl.getSslEngine(connection);
        } catch (RuntimeException notUndertows) {
            return; // another XnioSsl than Undertow's: its engine is out of reach, and ALPN is only an offer
        }
        if (engine != null) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setApplicationProtocols(HTTP_1_1);
            engine.setSSLParameters(parameters);
        }
    }

    private static OptionMap without(OptionMap options, org.xnio.Option<?> dropped, org.xnio.Option<?> alsoDropped) {
        OptionMap.Builder builder = OptionMap.builder();
        for (org.xnio.Option<?> option : options) {
            if (!option.equals(dropped) && !option.equals(alsoDropped)) {
                copy(builder, options, option);
            }
        }
        return builder.getMap();
    }

    private static <T> void copy(OptionMap.Builder builder, OptionMap from, org.xnio.Option<T> option) {
        builder.set(option, from.get(option));
    }
}
