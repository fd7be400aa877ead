package io.sluice.runtime;

import io.sluice.admin.AdminServer;
import io.sluice.admin.ReloadOutcome;
import io.sluice.admin.RuntimeState;
import io.sluice.config.ListenerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.listener.ListenerBuffers;
import io.sluice.listener.ListenerException;
import io.sluice.listener.ListenerStarter;
import io.sluice.listener.RunningListener;
import io.sluice.log.AccessLogs;
import io.sluice.pool.Pool;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * everything it took: never a half-alive process. {@link #reload} swaps in a new
 * generation built from a new configuration without dropping a request.
 */
public final class SluiceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceServer.class);

    private final XnioWorker worker;
    private final ListenerBuffers buffers;
    private final GracefulShutdownHandler gracefulShutdown;
    /**
     * The running listeners by name. Read on the request path (redirects look up a bound
     * port) while a reload runs, so it is never changed in place: a new map is swapped in.
     */
    private volatile Map<String, RunningListener> listeners = Map.of();
    /** Retired generations are closed here once their requests had time to finish. */
    private final ScheduledExecutorService retirement = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sluice-retire");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Generation generation;
    private volatile RuntimeState runtimeState;
    private volatile AdminServer admin;
    /** The configuration as the file says, before run-time members are overlaid. */
    private volatile SluiceConfig fileConfig;
    private final io.sluice.metrics.SluiceMetrics metrics = new io.sluice.metrics.SluiceMetrics();
    /** The listeners' counters and live values, in the same registry. */
    private final io.sluice.listener.ListenerMetrics listenerMetrics;
    /** Rate limiters by scope, kept across generations while their settings stay. */
    private final io.sluice.ratelimit.RateLimiters rateLimiters = new io.sluice.ratelimit.RateLimiters();
    /** Where learned sessions go besides this process: the cluster's, or this process's alone. */
    private volatile io.sluice.pool.SessionSharing sharing = io.sluice.pool.SessionSharing.LOCAL;
    /** This instance's membership of a cluster, or null. */
    private volatile io.sluice.cluster.Cluster cluster;
    /** The run-time state as the cluster shares it, or null without a cluster. */
    private volatile SharedRuntimeState sharedState;
    /** Client connections on all traffic listeners, against limits.max-connections; outlives reloads. */
    private final io.sluice.listener.Admission admission;

    private SluiceServer(XnioWorker worker, ListenerBuffers buffers, GracefulShutdownHandler gracefulShutdown,
                         io.sluice.config.LimitsConfig limits) {
        this.worker = worker;
        this.buffers = buffers;
        this.gracefulShutdown = gracefulShutdown;
        this.admission = new io.sluice.listener.Admission(limits.maxConnections(), limits.maxConnectionsPerClient(),
                limits.maxTlsHandshakes());
        this.listenerMetrics = new io.sluice.listener.ListenerMetrics(metrics.registry(), admission);
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
        SluiceServer server = new SluiceServer(worker, ListenerBuffers.create(), graceful, config.limits());
        self[0] = server;
        try {
            server.runtimeState = RuntimeState.load(config.admin().stateFile());
            if (config.cluster().enabled()) {
                server.cluster = io.sluice.cluster.Cluster.join(config.cluster(), server::currentPools);
                server.sharing = server.cluster;
            }
            server.fileConfig = config;
            server.generation = Generation.build(server.runtimeState.overlay(config), server::boundPort, worker, server.buffers.http(), null,
                    server.metrics, server.listenerMetrics, server.rateLimiters, server.sharing);
            server.generation.commit(server.rateLimiters);
            if (server.cluster != null) {
                server.sharedState = SharedRuntimeState.share(server.runtimeState, server.cluster, server::rebuildFromAdoptedState);
                server.cluster.receiveState();
                server.sharedState.settle();
            }
            server.runtimeState.applyTo(server.generation.pools());
            ListenerStarter starter = server.starter(config);
            for (ListenerConfig listener : config.listeners()) {
                server.with(listener.name(), starter.start(listener, new ListenerIndex(listener.name(), graceful)));
            }
            if (config.admin().enabled()) {
                server.admin = AdminServer.start(config.admin(), worker, server.buffers.http(), server::generation, server.runtimeState, server.metrics, server.listenerMetrics,
                        server::rebuild, server::describeCluster);
            }
        } catch (ListenerException | IOException | io.sluice.cluster.ClusterException e) {
            server.stopNow();
            throw new StartupException(e.getMessage());
        } catch (StartupException | RuntimeException e) {
            server.stopNow();
            throw e;
        }
        server.publishListenerStatistics();
        warnAnyHost(config, null);
        server.logServing(config);
        return server;
    }

    /** One warning per listener without server-names (at start; on reload for listeners that newly have none). */
    private static void warnAnyHost(SluiceConfig config, SluiceConfig previous) {
        for (ListenerConfig listener : config.listeners()) {
            ListenerConfig before = previous == null ? null : previous.listener(listener.name());
            if (listener.serverNames().isEmpty() && (before == null || !before.serverNames().isEmpty())) {
                LOG.warn("listener {} has no server-names: it accepts any valid Host, and the public origin in rewritten redirects "
                        + "comes from the client's Host header; list the names it serves, e.g. server-names = [sso.example.com]",
                        listener.name());
            }
        }
    }

    private void with(String name, RunningListener listener) {
        Map<String, RunningListener> next = new LinkedHashMap<>(listeners);
        next.put(name, listener);
        listeners = java.util.Collections.unmodifiableMap(next);
    }

    private void without(String name) {
        Map<String, RunningListener> next = new LinkedHashMap<>(listeners);
        next.remove(name);
        listeners = java.util.Collections.unmodifiableMap(next);
    }

    private ListenerStarter starter(SluiceConfig config) {
        return new ListenerStarter(worker, buffers, config.limits(), listenerMetrics);
    }

    private void logServing(SluiceConfig config) {
        for (Pool pool : generation.pools().values()) {
            LOG.info("pool {}: {}", pool.name(), pool.members());
        }
        LOG.info("sluice is serving {}: {} listener(s), {} route(s), {} pool(s)", config.source(), config.listeners().size(),
                config.routes().size(), config.pools().size());
    }

    public Generation generation() {
        return generation;
    }

    /**
     * Swaps in a generation built from {@code config}. Everything is built before anything
     * changes (certificates read, TLS contexts made, new sockets bound); if that fails the
     * running generation and listeners are untouched. A listener that keeps its bind address
     * keeps its socket and hands it over to its new settings: new connections get them,
     * connections already open keep theirs (and its TLS context, when settings and certificates
     * are unchanged, so sessions resume). A listener that moves is bound at its new address
     * before the old socket stops accepting; removed ones stop accepting and are closed after
     * the drain timeout. Requests in flight finish on the generation they started on.
     */
    public synchronized ReloadOutcome reload(SluiceConfig config) {
        Generation old = generation;
        if (config.ioThreads() != old.config().ioThreads()) {
            LOG.warn("reload: io-threads changed from {} to {}; that takes a restart, the running value stays",
                    old.config().ioThreads(), config.ioThreads());
        }
        if (!config.cluster().equals(old.config().cluster())) {
            LOG.warn("reload: the cluster block changed; that takes a restart, this instance stays in cluster {} as it joined",
                    old.config().cluster().enabled() ? old.config().cluster().name() : "(none)");
        }
        Generation next;
        RuntimeState state;
        try {
            state = java.util.Objects.equals(config.admin().stateFile(), old.config().admin().stateFile())
                    ? runtimeState : RuntimeState.load(config.admin().stateFile());
        } catch (IOException e) {
            return refused(e.getMessage()); // a new state file that cannot be used: never start it over empty
        }
        try {
            next = Generation.build(state.overlay(config), this::boundPort, worker, buffers.http(), old, metrics, listenerMetrics, rateLimiters, sharing);
        } catch (StartupException e) {
            return refused("the new configuration could not be built: " + e.getMessage());
        }
        ListenerStarter starter = starter(config);
        List<String> changes = new ArrayList<>();
        Map<String, ListenerStarter.HandOver> handOvers = new LinkedHashMap<>();
        Map<String, RunningListener> newlyBound = new LinkedHashMap<>();
        List<RunningListener> leaving = new ArrayList<>(); // moved or removed: no new connections, closed after the drain
        List<RunningListener> closedEarly = new ArrayList<>();
        try {
            for (ListenerConfig wanted : config.listeners()) {
                RunningListener running = listeners.get(wanted.name());
                if (running != null && running.config().bind().equals(wanted.bind())) {
                    handOvers.put(wanted.name(), starter.prepare(running, wanted, new ListenerIndex(wanted.name(), gracefulShutdown)));
                }
            }
            listeners.forEach((name, running) -> {
                if (!handOvers.containsKey(name)) {
                    leaving.add(running);
                }
            });
            for (ListenerConfig wanted : config.listeners()) {
                if (!handOvers.containsKey(wanted.name())) {
                    newlyBound.put(wanted.name(), bind(starter, wanted, leaving, closedEarly));
                }
            }
        } catch (ListenerException e) {
            newlyBound.values().forEach(RunningListener::stop);
            rollBack(closedEarly, old.config());
            next.close();
            return refused(e.getMessage());
        }
        Map<String, RunningListener> bound = new LinkedHashMap<>();
        for (ListenerConfig wanted : config.listeners()) {
            ListenerStarter.HandOver handOver = handOvers.get(wanted.name());
            if (handOver == null) {
                bound.put(wanted.name(), newlyBound.get(wanted.name()));
                changes.add("listener " + wanted.name() + (listeners.containsKey(wanted.name()) ? " moved to " + wanted.bind() : " added"));
                continue;
            }
            if (handOver.changes()) {
                changes.add("listener " + wanted.name() + " changed");
            }
            handOver.apply();
            bound.put(wanted.name(), handOver.running());
        }
        List<RunningListener> toRetire = new ArrayList<>();
        for (RunningListener gone : leaving) {
            gone.stopAccepting();
            toRetire.add(gone);
            if (!bound.containsKey(gone.config().name())) {
                changes.add("listener " + gone.config().name() + " removed");
            }
        }
        admission.configure(config.limits().maxConnections(), config.limits().maxConnectionsPerClient(),
                config.limits().maxTlsHandshakes());
        next.commit(rateLimiters);
        state.applyTo(next.pools()); // run-time admin changes survive the reload
        listeners = java.util.Collections.unmodifiableMap(bound); // one swap: readers see the old map or the new
        if (state != runtimeState && cluster != null) {
            sharedState.close();
            sharedState = SharedRuntimeState.share(state, cluster, this::rebuildFromAdoptedState);
        }
        runtimeState = state;
        fileConfig = config;
        generation = next;
        publishListenerStatistics();
        warnAnyHost(config, old.config());
        reloadAdmin(config, old.config(), changes);
        AccessLogs.configure(config.accessLog());
        retire(old, config.drainTimeout().toMillis(), toRetire);
        String summary = "reloaded " + config.source() + ": " + config.listeners().size() + " listener(s), " + config.routes().size()
                + " route(s), " + config.pools().size() + " pool(s)" + (changes.isEmpty() ? "" : "; " + String.join(", ", changes));
        LOG.info("{}", summary);
        return new ReloadOutcome(true, summary);
    }

    /**
     * Binds a listener that is new or moves to another address, before the listener it replaces
     * stops accepting. Only when the address is still held by a listener that is leaving (the same
     * port on an overlapping address) does that one stop accepting first: then new connections are
     * refused for the moment between, and the log says so.
     */
    private RunningListener bind(ListenerStarter starter, ListenerConfig wanted, List<RunningListener> leaving,
                                 List<RunningListener> closedEarly) throws ListenerException {
        ListenerIndex root = new ListenerIndex(wanted.name(), gracefulShutdown);
        try {
            return starter.start(wanted, root);
        } catch (ListenerException e) {
            RunningListener holder = wanted.bind().port() == 0 ? null : leaving.stream()
                    .filter(running -> running.address().getPort() == wanted.bind().port() && !closedEarly.contains(running))
                    .findFirst().orElse(null);
            if (holder == null) {
                throw e;
            }
            LOG.warn("reload: listener {} cannot bind {} while listener {} holds port {}; that one stops accepting first, so new "
                    + "connections are refused until the new socket is bound", wanted.name(), wanted.bind(), holder.config().name(),
                    wanted.bind().port());
            holder.stopAccepting();
            closedEarly.add(holder);
            return starter.start(wanted, root);
        }
    }

    /** A refused reload had closed these listeners' sockets: bind them again as they were. */
    private void rollBack(List<RunningListener> closedEarly, SluiceConfig running) {
        ListenerStarter oldStarter = starter(running);
        for (RunningListener closed : closedEarly) {
            String name = closed.config().name();
            try {
                with(name, oldStarter.start(closed.config(), new ListenerIndex(name, gracefulShutdown)));
                retirement.schedule(closed::stop, running.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ListenerException again) {
                without(name);
                LOG.error("reload rollback: {}", again.getMessage());
            }
        }
    }

    private void publishListenerStatistics() {
        listenerMetrics.running(listeners);
    }

    /**
     * After members were added or removed at run time: a new generation from the same file
     * and the new run-time members. Only the pools change: listeners, their TLS material
     * and the admin listener are not touched, and members that stay are carried over with
     * all their state (see Pool#build).
     */
    public synchronized ReloadOutcome rebuild() {
        Generation old = generation;
        Generation next;
        try {
            next = Generation.build(runtimeState.overlay(fileConfig), this::boundPort, worker, buffers.http(), old, metrics, listenerMetrics, rateLimiters, sharing);
        } catch (StartupException e) {
            return refused("the pools could not be rebuilt: " + e.getMessage());
        }
        next.sameFileAs(old);
        next.commit(rateLimiters);
        runtimeState.applyTo(next.pools());
        generation = next;
        retire(old, fileConfig.drainTimeout().toMillis(), List.of());
        return new ReloadOutcome(true, "pools rebuilt with the run-time member changes");
    }

    /** Stops the old generation's health checks now, and closes what it alone holds once its requests had time to finish. */
    private void retire(Generation old, long drainMillis, List<RunningListener> listenersToStop) {
        old.retire();
        retirement.schedule(() -> {
            listenersToStop.forEach(RunningListener::stop);
            old.close();
        }, drainMillis, TimeUnit.MILLISECONDS);
    }

    /** The admin listener follows the new config: credentials in place, a new bind rebinds it. */
    private void reloadAdmin(SluiceConfig config, SluiceConfig old, List<String> changes) {
        try {
            AdminServer running = admin;
            if (running != null && config.admin().enabled() && java.util.Objects.equals(config.admin().bind(), old.admin().bind())
                    && java.util.Objects.equals(config.admin().stateFile(), old.admin().stateFile())) {
                running.credentials(config.admin());
                return;
            }
            if (running != null) {
                running.close();
                admin = null;
            }
            if (config.admin().enabled()) {
                admin = AdminServer.start(config.admin(), worker, buffers.http(), this::generation, runtimeState, metrics, listenerMetrics, this::rebuild,
                        this::describeCluster);
            }
            changes.add("admin listener " + (config.admin().enabled() ? "rebound" : "removed"));
        } catch (IOException e) {
            LOG.error("reload: {}; the admin listener is down until the next reload", e.getMessage());
        }
    }

    /** The admin listener's address, or null without one. */
    public InetSocketAddress adminAddress() {
        AdminServer running = admin;
        return running == null ? null : running.address();
    }

    private static ReloadOutcome refused(String why) {
        LOG.error("reload refused, the running configuration stays: {}", why);
        return new ReloadOutcome(false, why);
    }

    /** The address a listener is bound to (its real port when the config asked for port 0). */
    public InetSocketAddress address(String listenerName) {
        return listener(listenerName).address();
    }

    /** What the start-up log said about a listener: protocol, TLS engine and version, certificates. */
    public String describe(String listenerName) {
        return listener(listenerName).description();
    }

    private RunningListener listener(String listenerName) {
        RunningListener listener = listeners.get(listenerName);
        if (listener == null) {
            throw new IllegalArgumentException("no listener " + listenerName);
        }
        return listener;
    }

    int boundPort(String listenerName) {
        RunningListener listener = listeners.get(listenerName);
        if (listener != null) {
            return listener.address().getPort();
        }
        ListenerConfig config = generation.config().listener(listenerName);
        return config == null ? 443 : config.bind().port();
    }

    /** Stops accepting, lets requests in flight finish (up to the drain timeout), then releases everything. */
    @Override
    public void close() {
        AdminServer running = admin;
        if (running != null) {
            running.stopping(); // readiness fails from now on (keepalived, a balancer in front)
        }
        for (RunningListener listener : listeners.values()) {
            listener.stopAccepting(); // new connections are refused, so clients go elsewhere at once
        }
        gracefulShutdown.shutdown();
        long drain = Objects.requireNonNull(generation).config().drainTimeout().toMillis();
        try {
            if (!gracefulShutdown.awaitShutdown(drain)) {
                LOG.warn("requests still in flight after {} ms; closing them", drain);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopNow();
        LOG.info("sluice stopped");
    }

    /** Another instance's run-time changes were adopted: the pools follow them, as after a change made here. */
    private void rebuildFromAdoptedState() {
        ReloadOutcome outcome = rebuild();
        if (!outcome.applied()) {
            LOG.error("the run-time changes from the cluster are in the state file but not applied to the pools: {}", outcome.summary());
        }
    }

    /** The running generation's pools (none before the first is built): where sessions from the cluster go. */
    private Map<String, Pool> currentPools() {
        Generation current = generation;
        return current == null ? Map.of() : current.pools();
    }

    /** The cluster as this instance sees it, for the admin API; null without a cluster. */
    private Map<String, Object> describeCluster() {
        io.sluice.cluster.Cluster member = cluster;
        return member == null ? null : member.describe();
    }

    /** This instance's cluster membership, or null without a cluster. */
    public io.sluice.cluster.Cluster cluster() {
        return cluster;
    }

    private void stopNow() {
        AdminServer running = admin;
        if (running != null) {
            running.close();
        }
        for (RunningListener listener : listeners.values()) {
            listener.stop();
        }
        listeners = Map.of();
        io.sluice.cluster.Cluster member = cluster;
        if (member != null) {
            member.close();
        }
        SharedRuntimeState shared = sharedState;
        if (shared != null) {
            shared.close();
        }
        retirement.shutdownNow();
        Generation current = generation;
        if (current != null) {
            current.close();
        }
        metrics.close();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
