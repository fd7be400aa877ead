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
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.HttpHandler;
import io.undertow.server.OpenListener;
import io.undertow.server.protocol.http.AlpnOpenListener;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http2.Http2OpenListener;
import io.undertow.server.protocol.http2.Http2UpgradeHandler;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.sluice.http.H2cUpgradeMark;
import io.sluice.http.Refusals;
import org.xnio.ChannelListener;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Sequence;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * Binds one listener: its own listening socket and Undertow open listener on the shared
 * XNIO worker and buffer pools, so that listeners can be added and removed one by one on
 * reload.
 */
public final class ListenerStarter {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerStarter.class);

    private final XnioWorker worker;
    private final ListenerBuffers buffers;
    private final LimitsConfig limits;
    /** A listener's TLS handshake counters by name: they outlive the TLS contexts a reload replaces. */
    private final Function<String, ? extends HandshakeOutcomes> handshakes;
    /** A listener's refusal counters by name, shared by its connections' strict parsing. */
    private final Function<String, Refusals> refusals;

    /** Every traffic listener's connections count against it, across reloads. */
    private final Admission admission;
    /** A listener's admission counters by name, kept across reloads like the handshake counters. */
    private final Function<String, ? extends AdmissionEvents> admissionEvents;

    public ListenerStarter(XnioWorker worker, ListenerBuffers buffers, LimitsConfig limits,
            Function<String, ? extends HandshakeOutcomes> handshakes, Function<String, Refusals> refusals, Admission admission,
            Function<String, ? extends AdmissionEvents> admissionEvents) {
        this.worker = worker;
        this.buffers = buffers;
        this.limits = limits;
        this.handshakes = handshakes;
        this.refusals = refusals;
        this.admission = admission;
        this.admissionEvents = admissionEvents;
    }

    /**
     * Binds and starts the listener, or explains in one sentence why it cannot.
     *
     * <p>The socket is bound here rather than by {@code Undertow.start()}, which does the same
     * with one difference that matters: it gives every https listener a pool of direct buffers
     * for TLS records, and JSSE's AES-GCM is several times slower on those (see
     * {@link ListenerBuffers}). The open listeners are Undertow's own, wired as it wires them.
     */
    public RunningListener start(ListenerConfig config, HttpHandler root) throws ListenerException {
        boolean http2 = config.isHttps() ? config.http2() : config.h2c();
        OptionMap serverOptions = ListenerOptions.serverOptions(limits, http2);
        InetSocketAddress bindAddress = new InetSocketAddress(config.bind().host(), config.bind().port());
        if (bindAddress.isUnresolved()) {
            throw new ListenerException("listener " + config.name() + " cannot bind " + config.bind() + ": unknown host");
        }
        OptionMap socketOptions = ListenerOptions.socketOptions(worker.getIoThreadCount(), limits);
        AdmissionEvents events = admissionEvents.apply(config.name());
        ListenerGate gate = new ListenerGate(config.name(), config.maxConnections(), admission, events);
        HttpHandler streamsLimited = http2 ? new Http2StreamLimit(limits.maxConcurrentStreams(), root, events) : root;
        long handshakeTimeout = limits.tlsHandshakeTimeout().toMillis();
        long silenceTimeout = limits.requestParseTimeout().toMillis();
        String description;
        OpenListener openListener;
        UndertowXnioSsl ssl = null;
        AcceptingChannel<? extends StreamConnection> channel;
        HttpOpenListener http1 = new HttpOpenListener(buffers.http(), serverOptions);
        Refusals listenerRefusals = refusals.apply(config.name());
        try {
            if (config.isHttps()) {
                ServerTls tls = serverTls(config);
                http1.setRootHandler(streamsLimited);
                openListener = config.http2() ? alpn(http1, streamsLimited, serverOptions) : http1;
                ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, buffers.tls(tls.engine()), counting(config, tls));
                OptionMap sslOptions = OptionMap.builder()
                        .set(Options.SSL_ENABLED_PROTOCOLS, Sequence.of(tls.protocols()))
                        .set(Options.SSL_ENABLED_CIPHER_SUITES, Sequence.of(tls.cipherSuites()))
                        .getMap();
                channel = worker.createStreamConnectionServer(bindAddress, new AdmittingAcceptListener(gate,
                        strict(openListener, listenerRefusals), ssl, sslOptions, handshakeTimeout, silenceTimeout), socketOptions);
                if (tls.warning() != null) {
                    LOG.warn("listener {}: {}", config.name(), tls.warning());
                }
                description = describe(config, tls);
            } else {
                // h2c (opt-in): an HTTP/1.1 request with Upgrade: h2c switches the connection to
                // HTTP/2, and ENABLE_HTTP2 also lets a client start with the HTTP/2 preface
                http1.setRootHandler(config.h2c() ? H2cUpgradeMark.marking(new Http2UpgradeHandler(streamsLimited)) : root);
                openListener = http1;
                channel = worker.createStreamConnectionServer(bindAddress, new AdmittingAcceptListener(gate,
                        strict(openListener, listenerRefusals), null, OptionMap.EMPTY, handshakeTimeout, silenceTimeout), socketOptions);
                description = "http" + (config.redirectTo() != null ? ", redirects to listener " + config.redirectTo() : "")
                        + (config.h2c() ? ", h2c" : "");
            }
        } catch (IOException | RuntimeException e) {
            throw new ListenerException("listener " + config.name() + " cannot bind " + config.bind() + ": " + rootCause(e));
        }
        description += connectionLimit(config);
        channel.resumeAccepts();
        InetSocketAddress address = (InetSocketAddress) channel.getLocalAddress();
        LOG.info("listener {} bound {}:{}: {}", config.name(), address.getAddress().getHostAddress(), address.getPort(), description);
        return new RunningListener(config, channel, new Undertow.ListenerInfo(config.isHttps() ? "https" : "http", address,
                openListener, ssl, channel), address, description, gate);
    }

    /** Every accepted connection gets strict HTTP/1.x parsing under Undertow's parser (see {@link StrictHttp1Conduit}). */
    private static ChannelListener<StreamConnection> strict(OpenListener openListener, Refusals refusals) {
        return connection -> {
            StrictHttp1Conduit.install(connection, refusals);
            openListener.handleEvent(connection);
        };
    }

    /** TLS with ALPN: "h2" to Undertow's HTTP/2 listener, anything else to HTTP/1.1 (as Undertow wires it). */
    private static OpenListener alpn(HttpOpenListener http1, HttpHandler root, OptionMap serverOptions) {
        AlpnOpenListener alpn = new AlpnOpenListener(http1.getBufferPool(), serverOptions, http1);
        Http2OpenListener http2 = new Http2OpenListener(http1.getBufferPool(), serverOptions);
        http2.setRootHandler(root);
        alpn.addProtocol(Http2OpenListener.HTTP2, http2, 10);
        alpn.addProtocol(Http2OpenListener.HTTP2_14, http2, 7);
        return alpn;
    }

    /**
     * Re-reads a running https listener's certificates and swaps the new TLS context in
     * for new connections, without rebinding (renewed certificates on reload).
     */
    public RunningListener refreshTls(RunningListener running, ListenerConfig config) throws ListenerException {
        ServerTls tls = serverTls(config);
        running.socket().setSslContext(counting(config, tls));
        String description = describe(config, tls) + connectionLimit(config);
        LOG.info("listener {}: TLS material reloaded: {}", config.name(), description);
        return running.withConfig(config, description);
    }

    /** The listener's context, its engines counting handshakes into the listener's counters. */
    private SSLContext counting(ListenerConfig config, ServerTls tls) {
        return HandshakeCountingContext.wrap(tls.context(), handshakes.apply(config.name()));
    }

    private static String connectionLimit(ListenerConfig config) {
        return ", max " + config.maxConnections() + " connections";
    }

    private static String describe(ListenerConfig config, ServerTls tls) {
        return "https" + (config.http2() ? " h2" : "") + ", TLS engine " + tls.engine() + " (" + tls.engineDetail() + "), "
                + String.join("/", tls.protocols()) + ", certificates: "
                + config.tls().certificates().stream().map(CertificateSource::describe).collect(Collectors.joining(", "))
                + (tls.clientAuth().isEmpty() ? "" : ", " + tls.clientAuth());
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
                    List.of("h2", "http/1.1"), tls.clientAuth().load()), materials);
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
