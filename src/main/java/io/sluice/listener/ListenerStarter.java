package io.sluice.listener;

import io.sluice.config.CertificateSource;
import io.sluice.config.LimitsConfig;
import io.sluice.config.ListenerConfig;
import io.sluice.tls.HandshakeCountingContext;
import io.sluice.tls.HandshakeOutcomes;
import io.sluice.tls.KeyMaterial;
import io.sluice.tls.ServerTls;
import io.sluice.tls.ServerTlsFactory;
import io.sluice.tls.ServerTlsSettings;
import io.sluice.tls.TlsMaterialException;
import io.undertow.Undertow;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Sequence;
import org.xnio.XnioWorker;

/**
 * Binds one listener: its own Undertow instance on the shared XNIO worker and buffer
 * pool, so that listeners can later be added and removed one by one on reload.
 */
public final class ListenerStarter {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerStarter.class);

    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final LimitsConfig limits;
    /** A listener's TLS handshake counters by name: they outlive the TLS contexts a reload replaces. */
    private final Function<String, ? extends HandshakeOutcomes> handshakes;

    public ListenerStarter(XnioWorker worker, ByteBufferPool buffers, LimitsConfig limits,
            Function<String, ? extends HandshakeOutcomes> handshakes) {
        this.worker = worker;
        this.buffers = buffers;
        this.limits = limits;
        this.handshakes = handshakes;
    }

    /** Binds and starts the listener, or explains in one sentence why it cannot. */
    public RunningListener start(ListenerConfig config, HttpHandler root) throws ListenerException {
        Undertow.ListenerBuilder listener = new Undertow.ListenerBuilder()
                .setHost(config.bind().host())
                .setPort(config.bind().port())
                .setRootHandler(root);
        String description;
        if (config.isHttps()) {
            ServerTls tls = serverTls(config);
            listener.setType(Undertow.ListenerType.HTTPS)
                    .setSslContext(counting(config, tls))
                    .setOverrideSocketOptions(OptionMap.builder()
                            .set(Options.SSL_ENABLED_PROTOCOLS, Sequence.of(tls.protocols()))
                            .set(Options.SSL_ENABLED_CIPHER_SUITES, Sequence.of(tls.cipherSuites()))
                            .getMap());
            if (tls.warning() != null) {
                LOG.warn("listener {}: {}", config.name(), tls.warning());
            }
            description = describe(config, tls);
        } else {
            listener.setType(Undertow.ListenerType.HTTP);
            description = "http" + (config.redirectTo() != null ? ", redirects to listener " + config.redirectTo() : "")
                    + (config.http2() && config.redirectTo() == null ? ", h2c upgrade" : "");
        }
        Undertow.Builder builder = Undertow.builder()
                .setWorker(worker)
                .setByteBufferPool(buffers)
                .setSocketOption(Options.BACKLOG, 1024)
                .setSocketOption(Options.REUSE_ADDRESSES, true)
                .addListener(listener);
        ListenerOptions.apply(builder, limits, config.http2());
        Undertow undertow = builder.build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            undertow.stop();
            throw new ListenerException("listener " + config.name() + " cannot bind " + config.bind() + ": " + rootCause(e));
        }
        InetSocketAddress address = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
        LOG.info("listener {} bound {}:{}: {}", config.name(), address.getAddress().getHostAddress(), address.getPort(), description);
        return new RunningListener(config, undertow, address, description);
    }

    /**
     * Re-reads a running https listener's certificates and swaps the new TLS context in
     * for new connections, without rebinding (renewed certificates on reload).
     */
    public RunningListener refreshTls(RunningListener running, ListenerConfig config) throws ListenerException {
        ServerTls tls = serverTls(config);
        running.undertow().getListenerInfo().get(0).setSslContext(counting(config, tls));
        String description = describe(config, tls);
        LOG.info("listener {}: TLS material reloaded: {}", config.name(), description);
        return running.withConfig(config, description);
    }

    /** The listener's context, its engines counting handshakes into the listener's counters. */
    private SSLContext counting(ListenerConfig config, ServerTls tls) {
        return HandshakeCountingContext.wrap(tls.context(), handshakes.apply(config.name()));
    }

    private static String describe(ListenerConfig config, ServerTls tls) {
        return "https" + (config.http2() ? " h2" : "") + ", TLS engine " + tls.engine() + " (" + tls.engineDetail() + "), "
                + String.join("/", tls.protocols()) + ", certificates: "
                + config.tls().certificates().stream().map(CertificateSource::describe).collect(Collectors.joining(", "));
    }

    private static ServerTls serverTls(ListenerConfig config) throws ListenerException {
        return serverTls(config.name(), config.tls());
    }

    /** Loads a TLS block's certificates and builds its server context (listeners and the admin). */
    public static ServerTls serverTls(String name, io.sluice.config.TlsConfig tls) throws ListenerException {
        List<KeyMaterial> materials = new ArrayList<>();
        try {
            for (CertificateSource source : tls.certificates()) {
                materials.add(source.load());
            }
            return ServerTlsFactory.create(name, new ServerTlsSettings(tls.engine(), tls.protocols(), tls.cipherSuites(),
                    List.of("h2", "http/1.1")), materials);
        } catch (TlsMaterialException e) {
            throw new ListenerException("listener " + name + ": " + e.getMessage());
        }
    }

    private static String rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof BindException) {
            return cause.getMessage() == null ? "address in use" : cause.getMessage();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
