package io.sluice.runtime;

import io.sluice.config.ListenerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.listener.ListenerException;
import io.sluice.listener.ListenerStarter;
import io.sluice.listener.RunningListener;
import io.sluice.log.AccessLogs;
import io.sluice.pool.Pool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The supervisor: owns the XNIO worker, the listeners and the current generation.
 * {@link #start} either returns with every listener bound, or fails having released
 * everything it took: never a half-alive process.
 */
public final class SluiceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceServer.class);
    /** How long a stop waits for requests in flight (a config knob arrives with the appliance issue). */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final XnioWorker worker;
    private final GracefulShutdownHandler gracefulShutdown;
    private final List<RunningListener> listeners = new ArrayList<>();
    private volatile Generation generation;

    private SluiceServer(XnioWorker worker, GracefulShutdownHandler gracefulShutdown) {
        this.worker = worker;
        this.gracefulShutdown = gracefulShutdown;
    }

    public static SluiceServer start(SluiceConfig config) throws StartupException {
        AccessLogs.configure(config.accessLog());
        int ioThreads = config.ioThreads() > 0 ? config.ioThreads() : Math.max(2, Runtime.getRuntime().availableProcessors());
        XnioWorker worker;
        try {
            worker = Xnio.getInstance(SluiceServer.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_NAME, "sluice")
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, 2)
                    .set(Options.WORKER_TASK_MAX_THREADS, Math.max(4, ioThreads * 2))
                    .set(Options.TCP_NODELAY, true)
                    .getMap());
        } catch (IOException e) {
            throw new StartupException("cannot start the IO threads: " + e.getMessage());
        }
        SluiceServer[] self = new SluiceServer[1];
        // One shutdown gate in front of every listener: a stop lets in-flight requests finish.
        HttpHandler dispatch = exchange -> exchange.getAttachment(ListenerIndex.KEY).handle(self[0].generation, exchange);
        GracefulShutdownHandler graceful = new GracefulShutdownHandler(dispatch);
        SluiceServer server = new SluiceServer(worker, graceful);
        self[0] = server;
        try {
            DefaultByteBufferPool buffers = new DefaultByteBufferPool(true, 16 * 1024, -1, 8);
            server.generation = Generation.build(config, server::boundPort, worker, buffers);
            ListenerStarter starter = new ListenerStarter(worker, buffers, config.limits());
            for (int i = 0; i < config.listeners().size(); i++) {
                ListenerConfig listener = config.listeners().get(i);
                server.listeners.add(starter.start(listener, new ListenerIndex(i, graceful)));
            }
        } catch (ListenerException e) {
            server.stopNow();
            throw new StartupException(e.getMessage());
        } catch (StartupException | RuntimeException e) {
            server.stopNow();
            throw e;
        }
        for (Pool pool : server.generation.pools().values()) {
            LOG.info("pool {}: {}", pool.name(), pool.members());
        }
        LOG.info("sluice is serving: {} listener(s), {} route(s), {} pool(s)", config.listeners().size(), config.routes().size(), config.pools().size());
        return server;
    }

    public Generation generation() {
        return generation;
    }

    /** The address a listener is bound to (its real port when the config asked for port 0). */
    public InetSocketAddress address(String listenerName) {
        for (RunningListener listener : listeners) {
            if (listener.config().name().equals(listenerName)) {
                return listener.address();
            }
        }
        throw new IllegalArgumentException("no listener " + listenerName);
    }

    /** What the start-up log said about a listener: protocol, TLS engine and version, certificates. */
    public String describe(String listenerName) {
        for (RunningListener listener : listeners) {
            if (listener.config().name().equals(listenerName)) {
                return listener.description();
            }
        }
        throw new IllegalArgumentException("no listener " + listenerName);
    }

    int boundPort(String listenerName) {
        for (RunningListener listener : listeners) {
            if (listener.config().name().equals(listenerName)) {
                return listener.address().getPort();
            }
        }
        ListenerConfig config = generation.config().listener(listenerName);
        return config == null ? 443 : config.bind().port();
    }

    /** Stops accepting, lets requests in flight finish (up to the drain timeout), then releases everything. */
    @Override
    public void close() {
        for (RunningListener listener : listeners) {
            listener.suspendAccepting(); // new connections are refused, so clients go elsewhere at once
        }
        gracefulShutdown.shutdown();
        try {
            if (!gracefulShutdown.awaitShutdown(DRAIN_TIMEOUT.toMillis())) {
                LOG.warn("requests still in flight after {}s; closing them", DRAIN_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopNow();
        LOG.info("sluice stopped");
    }

    private void stopNow() {
        for (RunningListener listener : listeners) {
            listener.stop();
        }
        listeners.clear();
        Generation current = generation;
        if (current != null) {
            current.close();
        }
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
