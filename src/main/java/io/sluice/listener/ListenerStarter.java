package io.sluice.listener;

import io.sluice.config.CertificateSource;
import io.sluice.config.LimitsConfig;
import io.sluice.config.ListenerConfig;
import io.sluice.tls.HandshakeCountingContext;
import io.sluice.tls.KeyMaterial;
import io.sluice.tls.ServerTls;
import io.sluice.tls.ServerTlsFactory;
import io.sluice.tls.ServerTlsSettings;
import io.sluice.tls.TlsMaterialException;
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
import java.util.stream.Collectors;
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
    /** Counters kept by listener name across reloads (handshakes, refusals, admission), and the process-wide admission. */
    private final ListenerMetrics metrics;

    public ListenerStarter(XnioWorker worker, ListenerBuffers buffers, LimitsConfig limits, ListenerMetrics metrics) {
        this.worker = worker;
        this.buffers = buffers;
        this.limits = limits;
        this.metrics = metrics;
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
        InetSocketAddress bindAddress = new InetSocketAddress(config.bind().host(), config.bind().port());
        if (bindAddress.isUnresolved()) {
            throw new ListenerException("listener " + config.name() + " cannot bind " + config.bind() + ": unknown host");
        }
        Serving serving = serving(config, root, null);
        ListenerGate gate = new ListenerGate(config.name(), config.maxConnections(), metrics.admission(),
                metrics.admissionEvents(config.name()));
        AdmittingAcceptListener acceptor = new AdmittingAcceptListener(gate, serving.accepting());
        AcceptingChannel<? extends StreamConnection> channel;
        try {
            channel = worker.createStreamConnectionServer(bindAddress, acceptor,
                    ListenerOptions.socketOptions(worker.getIoThreadCount(), limits));
        } catch (IOException | RuntimeException e) {
            throw new ListenerException("listener " + config.name() + " cannot bind " + config.bind() + ": " + rootCause(e));
        }
        channel.resumeAccepts();
        InetSocketAddress address = (InetSocketAddress) channel.getLocalAddress();
        LOG.info("listener {} bound {}:{}: {}", config.name(), address.getAddress().getHostAddress(), address.getPort(),
                serving.description());
        return new RunningListener(channel, address, gate, acceptor, serving);
    }

    /**
     * What a reload will do to a listener that keeps its bind address: the new settings, built
     * (certificates read, TLS context made) but not yet applied, so that a reload can still be
     * refused with nothing changed. {@link HandOver#apply} then gives the listening socket to them.
     */
    public HandOver prepare(RunningListener running, ListenerConfig config, HttpHandler root) throws ListenerException {
        return new HandOver(running, serving(config, root, running.serving()), limits.writeTimeout().toMillis());
    }

    /** A listener's prepared new settings; {@link #apply} hands its socket over to them. */
    public static final class HandOver {
        private final RunningListener running;
        private final Serving next;
        private final long writeTimeoutMillis;

        private HandOver(RunningListener running, Serving next, long writeTimeoutMillis) {
            this.running = running;
            this.next = next;
            this.writeTimeoutMillis = writeTimeoutMillis;
        }

        public RunningListener running() {
            return running;
        }

        /** Whether anything is different for new connections. */
        public boolean changes() {
            return next != running.serving();
        }

        public void apply() {
            if (changes()) {
                running.handOver(next, writeTimeoutMillis);
                LOG.info("listener {}: new connections get the new settings: {}; connections already open keep theirs",
                        next.config().name(), next.description());
            }
        }
    }

    /**
     * What new connections on a listener get under {@code config}: the previous value itself when
     * nothing differs, and the previous TLS context when the TLS settings and the certificates and
     * keys read from the files are the same (so sessions resume across a reload).
     */
    private Serving serving(ListenerConfig config, HttpHandler root, Serving previous) throws ListenerException {
        Serving.Tls tls = config.isHttps() ? tls(config, previous) : null;
        if (previous != null && previous.config().equals(config) && previous.limits().equals(limits) && previous.tls() == tls) {
            return previous;
        }
        boolean http2 = config.isHttps() ? config.http2() : config.h2c();
        OptionMap serverOptions = ListenerOptions.serverOptions(limits, http2);
        HttpHandler streamsLimited = http2 ? new Http2StreamLimit(limits.maxConcurrentStreams(), root,
                metrics.admissionEvents(config.name())) : root;
        long handshakeTimeout = limits.tlsHandshakeTimeout().toMillis();
        long silenceTimeout = limits.requestParseTimeout().toMillis();
        HttpOpenListener http1 = new HttpOpenListener(buffers.http(), serverOptions);
        Refusals listenerRefusals = metrics.refusals(config.name());
        OpenListener openListener;
        String description;
        AdmittingAcceptListener.Accepting accepting;
        if (tls != null) {
            http1.setRootHandler(streamsLimited);
            openListener = config.http2() ? alpn(http1, streamsLimited, serverOptions) : http1;
            OptionMap sslOptions = OptionMap.builder()
                    .set(Options.SSL_ENABLED_PROTOCOLS, Sequence.of(tls.server().protocols()))
                    .set(Options.SSL_ENABLED_CIPHER_SUITES, Sequence.of(tls.server().cipherSuites()))
                    .getMap();
            accepting = new AdmittingAcceptListener.Accepting(strict(openListener, listenerRefusals), tls.ssl(), sslOptions,
                    handshakeTimeout, silenceTimeout, buffers.http());
            description = describe(config, tls.server());
        } else {
            // h2c (opt-in): an HTTP/1.1 request with Upgrade: h2c switches the connection to
            // HTTP/2, and ENABLE_HTTP2 also lets a client start with the HTTP/2 preface
            http1.setRootHandler(config.h2c() ? H2cUpgradeMark.marking(new Http2UpgradeHandler(streamsLimited)) : root);
            openListener = http1;
            accepting = new AdmittingAcceptListener.Accepting(strict(openListener, listenerRefusals), null, OptionMap.EMPTY,
                    handshakeTimeout, silenceTimeout, null);
            description = "http" + (config.redirectTo() != null ? ", redirects to listener " + config.redirectTo() : "")
                    + (config.h2c() ? ", h2c" : "");
        }
        return new Serving(config, limits, openListener, tls, accepting, description + connectionLimit(config));
    }

    /**
     * The listener's TLS: the previous one when the TLS settings and the material read from the
     * files now are the same, else a new context (renewed certificates apply on reload).
     */
    private Serving.Tls tls(ListenerConfig config, Serving previous) throws ListenerException {
        List<KeyMaterial> materials = keyMaterials(config.name(), config.tls());
        Serving.Tls before = previous == null ? null : previous.tls();
        if (before != null && before.settings().equals(config.tls()) && before.materials().equals(materials)) {
            return before;
        }
        ServerTls server = serverTls(config.name(), config.tls(), materials);
        if (server.warning() != null) {
            LOG.warn("listener {}: {}", config.name(), server.warning());
        }
        UndertowXnioSsl ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, buffers.tls(server.engine()),
                HandshakeCountingContext.wrap(server.context(), metrics.tls(config.name())));
        return new Serving.Tls(config.tls(), materials, server, ssl);
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

    private static String connectionLimit(ListenerConfig config) {
        return ", max " + config.maxConnections() + " connections";
    }

    private static String describe(ListenerConfig config, ServerTls tls) {
        return "https" + (config.http2() ? " h2" : "") + ", TLS engine " + tls.engine() + " (" + tls.engineDetail() + "), "
                + String.join("/", tls.protocols()) + ", certificates: "
                + config.tls().certificates().stream().map(CertificateSource::describe).collect(Collectors.joining(", "))
                + (tls.clientAuth().isEmpty() ? "" : ", " + tls.clientAuth());
    }

    /** Loads a TLS block's certificates and builds its server context (listeners and the admin). */
    public static ServerTls serverTls(String name, io.sluice.config.TlsConfig tls) throws ListenerException {
        return serverTls(name, tls, keyMaterials(name, tls));
    }

    private static List<KeyMaterial> keyMaterials(String name, io.sluice.config.TlsConfig tls) throws ListenerException {
        List<KeyMaterial> materials = new ArrayList<>();
        try {
            for (CertificateSource source : tls.certificates()) {
                materials.add(source.load());
            }
        } catch (TlsMaterialException e) {
            throw new ListenerException("listener " + name + ": " + e.getMessage());
        }
        return materials;
    }

    private static ServerTls serverTls(String name, io.sluice.config.TlsConfig tls, List<KeyMaterial> materials)
            throws ListenerException {
        try {
            return ServerTlsFactory.create(name, new ServerTlsSettings(tls.engine(), tls.protocols(), tls.cipherSuites(),
                    List.of("h2", "http/1.1"), tls.clientAuth().trust()), materials);
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
