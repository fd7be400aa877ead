package io.sluice.cluster;

import io.sluice.config.BindAddress;
import io.sluice.config.ClusterConfig;
import io.sluice.pool.Pool;
import io.sluice.pool.SessionKeys;
import io.sluice.pool.SessionSharing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import javax.crypto.Mac;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.pbcast.STATE_TRANSFER;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's membership of a Sluice cluster, over JGroups: TCP between the instances,
 * discovery from the configured peers or DNS, failure detection, merging after a partition,
 * every message encrypted with the cluster's key ({@link SealedChannel}), and Sluice's own
 * messages authenticated on top ({@link SessionBatch}).
 *
 * <p>What it shares: learned sessions and failover re-stamps ({@link SessionSharing}), and the
 * run-time admin state ({@link SharedDocument}: last writer wins by {@link SharedDocument.Stamp}).
 * Sessions are
 * written into the local table first and queued here without blocking; one thread sends what the
 * queue holds in batches every {@value #SEND_EVERY_MILLIS} ms. The queue is bounded: when the
 * network cannot keep up, sessions are dropped from it and counted, never the request delayed. A
 * joining instance receives every live session from the coordinator (JGroups state transfer).
 * Conflict rule: the latest arrival wins, locally and from the network alike (two instances learn
 * the same session at the same moment only when its client talks to both at once).
 */
public final class Cluster implements SessionSharing, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    static final int SEND_EVERY_MILLIS = 20;
    private static final int QUEUE_LIMIT = 100_000;
    private static final int BATCH_LIMIT = 2_000;
    private static final long STATE_TIMEOUT_MILLIS = 10_000;

    private final ClusterConfig config;
    private final ClusterKeys keys;
    private final Supplier<Map<String, Pool>> pools;
    private final JChannel channel;
    private final ConcurrentLinkedQueue<SessionBatch.Entry> outgoing = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** When the queue last went from empty to not empty (nanoTime): the oldest waiting session's age, roughly. */
    private final AtomicLong waitingSince = new AtomicLong();
    /** How long the oldest session of the last batch waited to be sent, in microseconds. */
    private volatile long lastLagMicros;
    private final Thread sender;
    private volatile boolean running = true;
    private volatile List<Address> members = List.of();
    /** The run-time state every instance holds a copy of; none until the server shares it. */
    private volatile SharedDocument document;
    /** The hybrid logical clock behind {@link #stamp}: the newest time this instance made or saw. */
    private final AtomicLong clock = new AtomicLong();
    /** The newest local copy of the shared document not sent yet. */
    private final java.util.concurrent.atomic.AtomicReference<SharedDocument.Copy> documentToSend =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** The receive side's MAC: JGroups delivers one instance's messages on one thread at a time, but not all instances' on one. */
    private final ThreadLocal<Mac> receiveMac;

    private Cluster(ClusterConfig config, ClusterKeys keys, Supplier<Map<String, Pool>> pools) throws Exception {
        this.config = config;
        this.keys = keys;
        this.pools = pools;
        this.receiveMac = ThreadLocal.withInitial(keys::mac);
        this.channel = new JChannel(stack(config, keys));
        channel.setName(instanceName(config.bind()));
        channel.setReceiver(new Listener());
        this.sender = new Thread(this::sendLoop, "sluice-cluster");
        sender.setDaemon(true);
    }

    /**
     * Joins (or, when no peer answers, founds) the cluster and takes the live sessions from its
     * coordinator. Blocks while it joins: called at start, before any listener is bound.
     */
    public static Cluster join(ClusterConfig config, Supplier<Map<String, Pool>> pools) throws ClusterException {
        String secret;
        try {
            secret = Files.readString(config.secretFile()).trim();
        } catch (IOException e) {
            throw new ClusterException("cannot read cluster.secret-file " + config.secretFile() + ": " + e.getMessage());
        }
        Cluster cluster;
        try {
            cluster = new Cluster(config, ClusterKeys.derive(secret, config.name()), pools);
        } catch (Exception e) {
            throw new ClusterException("cannot set up the cluster on " + config.bind() + ": " + e.getMessage());
        }
        try {
            cluster.channel.connect(config.name());
        } catch (Exception e) {
            cluster.channel.close();
            throw new ClusterException("cannot join cluster " + config.name() + " on " + config.bind() + ": " + rootCause(e));
        }
        cluster.sender.start();
        return cluster;
    }

    /** After the pools exist: the coordinator's live sessions, when this instance is not the coordinator. */
    public void receiveState() {
        View view = channel.getView();
        if (view != null && view.size() > 1 && !view.getCoord().equals(channel.getAddress())) {
            try {
                channel.getState(null, STATE_TIMEOUT_MILLIS);
            } catch (Exception e) {
                LOG.warn("cluster {}: could not receive the learned sessions from {}: {}; this instance learns them anew",
                        config.name(), view.getCoord(), rootCause(e));
            }
        }
    }

    private static Protocol[] stack(ClusterConfig config, ClusterKeys keys) throws Exception {
        BindAddress bind = config.bind();
        TCP tcp = new TCP();
        tcp.setBindAddress(InetAddress.getByName(bind.host()));
        tcp.setBindPort(bind.port());
        tcp.setPortRange(0);
        Protocol discovery;
        if (config.dns().isEmpty()) {
            List<InetSocketAddress> peers = new ArrayList<>();
            for (BindAddress peer : config.peers()) {
                peers.add(new InetSocketAddress(peer.host(), peer.port()));
            }
            discovery = new TCPPING().setInitialHosts(peers).setPortRange(0);
        } else {
            discovery = new DNS_PING().setDNSQuery(config.dns());
        }
        GMS gms = new GMS().setJoinTimeout(2000).printLocalAddress(false); // Sluice logs the membership itself
        gms.setMaxJoinAttempts(3);
        return new Protocol[] {
                tcp, discovery, new MERGE3(), new FD_SOCK2(), new FD_ALL3(), new VERIFY_SUSPECT2(),
                SealedChannel.with(keys.encryption(), config.name()),
                new NAKACK2(), new UNICAST3(), new STABLE(), gms, new UFC(), new MFC(), new FRAG4(), new STATE_TRANSFER()};
    }

    static String instanceName(BindAddress bind) {
        return bind.host() + ":" + bind.port();
    }

    @Override
    public SessionKeys keys() {
        return keys.sessions();
    }

    @Override
    public void learned(String pool, Table table, long key, String member) {
        int waiting = queued.incrementAndGet();
        if (waiting > QUEUE_LIMIT) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        if (waiting == 1) {
            waitingSince.set(System.nanoTime());
        }
        outgoing.offer(new SessionBatch.Entry(pool, table, key, member, 0));
    }

    private void sendLoop() {
        Mac mac = keys.mac();
        List<SessionBatch.Entry> batch = new ArrayList<>();
        while (running) {
            SharedDocument.Copy copy = documentToSend.getAndSet(null);
            if (copy != null) {
                send(Envelope.RUNTIME, encode(copy));
            }
            SessionBatch.Entry entry;
            while (batch.size() < BATCH_LIMIT && (entry = outgoing.poll()) != null) {
                queued.decrementAndGet();
                batch.add(entry);
            }
            if (batch.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SEND_EVERY_MILLIS));
                continue;
            }
            long now = System.nanoTime();
            lastLagMicros = (now - waitingSince.get()) / 1000;
            if (queued.get() > 0) {
                waitingSince.set(now); // those left wait from now on, as far as the next batch can tell
            }
            if (members.size() > 1) {
                try {
                    channel.send(new BytesMessage(null, Envelope.seal(Envelope.SESSIONS, new SessionBatch(List.copyOf(batch)).encode(), mac)));
                    sent.addAndGet(batch.size());
                } catch (Exception e) {
                    dropped.addAndGet(batch.size());
                    warnSendFailed(e);
                }
            }
            batch.clear();
        }
    }

    private long nextSendWarning = System.nanoTime(); // the sender thread alone reads and writes it

    /** A send that failed (the other instances unreachable, say): counted as dropped, logged at most once a minute. */
    private void warnSendFailed(Exception e) {
        long now = System.nanoTime();
        if (now - nextSendWarning >= 0) {
            nextSendWarning = now + TimeUnit.MINUTES.toNanos(1);
            LOG.warn("cluster {}: could not send learned sessions to the other instances: {}; counted in "
                    + "sluice_cluster_sessions_dropped_total, logged at most once a minute", config.name(), rootCause(e));
        }
    }

    private void apply(SessionBatch batch) {
        Map<String, Pool> current = pools.get();
        for (SessionBatch.Entry entry : batch.entries()) {
            Pool pool = current.get(entry.pool());
            if (pool != null) {
                pool.learnedElsewhere(entry.table(), entry.key(), entry.member(), entry.idleSeconds());
            }
        }
        received.addAndGet(batch.entries().size());
    }

    /**
     * Shares {@code document} with the cluster: from now on this instance's copy goes to joining
     * instances and newer copies from the others are adopted. When the cluster already holds a
     * newer copy than this instance's (it restarted with an older state file), that one is adopted.
     */
    public void share(SharedDocument shared) {
        this.document = shared;
        see(shared.current().stamp());
    }

    /** A stamp for a change made on this instance now, by {@code user}. */
    public SharedDocument.Stamp stamp(String user) {
        long wall = System.currentTimeMillis();
        long time = clock.updateAndGet(last -> Math.max(wall, last + 1));
        return new SharedDocument.Stamp(time, instanceName(config.bind()), user);
    }

    /**
     * After a local change to the shared document: the other instances get the new copy, sent
     * by the cluster's own thread (the caller, an admin request, never waits on the network).
     */
    public void changed(SharedDocument.Copy copy) {
        see(copy.stamp());
        documentToSend.set(copy);
        LockSupport.unpark(sender);
    }

    private void see(SharedDocument.Stamp stamp) {
        clock.accumulateAndGet(stamp.time(), Math::max);
    }

    private void send(byte kind, byte[] body) {
        if (members.size() < 2) {
            return;
        }
        try {
            channel.send(new BytesMessage(null, Envelope.seal(kind, body, keys.mac())));
        } catch (Exception e) {
            LOG.warn("cluster {}: could not send the run-time state to the other instances: {}; they receive it when they next "
                    + "join or merge", config.name(), rootCause(e));
        }
    }

    private void received(SharedDocument.Copy copy, Address from) {
        SharedDocument shared = document;
        if (shared == null) {
            return;
        }
        see(copy.stamp());
        SharedDocument.Copy mine = shared.current();
        if (copy.stamp().isNewerThan(mine.stamp())) {
            LOG.info("cluster {}: run-time state changed by {} through {} (from {})", config.name(),
                    copy.stamp().user().isEmpty() ? "an admin" : copy.stamp().user(), copy.stamp().instance(), from);
            shared.adopt(copy);
        }
    }

    private static byte[] encode(SharedDocument.Copy copy) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(64 + copy.body().length);
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeLong(copy.stamp().time());
            out.writeUTF(copy.stamp().instance());
            out.writeUTF(copy.stamp().user());
            out.writeInt(copy.body().length);
            out.write(copy.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static SharedDocument.Copy decodeCopy(byte[] data, int offset, int length) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(data, offset, length))) {
            SharedDocument.Stamp stamp = new SharedDocument.Stamp(in.readLong(), in.readUTF(), in.readUTF());
            int size = in.readInt();
            if (size < 0 || size != in.available()) {
                return null;
            }
            return new SharedDocument.Copy(stamp, in.readNBytes(size));
        } catch (IOException e) {
            return null;
        }
    }

    /** What the admin API shows: name, this instance, the members, and the session traffic. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("name", config.name());
        out.put("self", instanceName(config.bind()));
        out.put("members", members());
        Map<String, Object> sessions = new java.util.LinkedHashMap<>();
        sessions.put("sent", sent.get());
        sessions.put("received", received.get());
        sessions.put("queued", queued.get());
        sessions.put("dropped", dropped.get());
        sessions.put("lagMillis", lastLagMicros / 1000.0);
        out.put("sessions", sessions);
        out.put("rejectedMessages", rejected.get());
        return out;
    }

    /** The instances in the cluster now, by name (host:port), the coordinator first. */
    public List<String> members() {
        return members.stream().map(String::valueOf).toList();
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(sender);
        channel.close();
    }

    private final class Listener implements Receiver {
        @Override
        public void receive(Message message) {
            if (channel.getAddress().equals(message.getSrc())) {
                return;
            }
            Envelope.Opened opened = message instanceof BytesMessage bytes
                    ? Envelope.open(bytes.getArray(), bytes.getOffset(), bytes.getLength(), receiveMac.get()) : null;
            if (opened == null) {
                rejected.incrementAndGet();
                LOG.warn("cluster {}: dropped a message from {} that does not carry this cluster's MAC", config.name(), message.getSrc());
                return;
            }
            handle(opened, message.getSrc());
        }

        @Override
        public void viewAccepted(View view) {
            if (view instanceof org.jgroups.MergeView) {
                // two sides of a partition meet again: each offers its run-time state, the newest wins everywhere
                LOG.warn("cluster {}: partition healed, merging {}", config.name(), ((org.jgroups.MergeView) view).getSubgroups());
                SharedDocument shared = document;
                if (shared != null) {
                    // sent from a thread of its own: JGroups delivers the view from its own thread, which must not block
                    Thread offer = new Thread(() -> send(Envelope.RUNTIME, encode(shared.current())), "sluice-cluster-merge");
                    offer.setDaemon(true);
                    offer.start();
                }
            }
            List<Address> before = members;
            List<Address> now = List.copyOf(view.getMembers());
            members = now;
            for (Address joined : now) {
                if (!before.contains(joined) && !joined.equals(channel.getAddress())) {
                    LOG.info("cluster {}: instance {} joined; members now {}", config.name(), joined, now);
                }
            }
            for (Address left : before) {
                if (!now.contains(left)) {
                    LOG.warn("cluster {}: instance {} left; members now {}", config.name(), left, now);
                }
            }
            if (before.isEmpty()) {
                LOG.info("cluster {}: this instance ({}) is in, members {}", config.name(), channel.getAddress(), now);
            }
        }

        /** For a joining instance: every live session of every pool, in one sealed batch. */
        @Override
        public void getState(OutputStream output) throws Exception {
            List<SessionBatch.Entry> entries = new ArrayList<>();
            for (Pool pool : pools.get().values()) {
                for (Table table : Table.values()) {
                    pool.forEachSharedSession(table, (key, member, idle) -> entries.add(
                            new SessionBatch.Entry(pool.name(), table, key, member, (int) Math.min(Integer.MAX_VALUE, idle))));
                }
            }
            java.io.DataOutputStream out = new java.io.DataOutputStream(output);
            writeSealed(out, Envelope.seal(Envelope.SESSIONS, new SessionBatch(entries).encode(), keys.mac()));
            SharedDocument shared = document;
            writeSealed(out, Envelope.seal(Envelope.RUNTIME, encode(shared == null
                    ? new SharedDocument.Copy(SharedDocument.Stamp.ZERO, new byte[0]) : shared.current()), keys.mac()));
            out.flush();
            LOG.info("cluster {}: sent {} live session(s) and the run-time state to a joining instance", config.name(), entries.size());
        }

        @Override
        public void setState(InputStream input) throws Exception {
            java.io.DataInputStream in = new java.io.DataInputStream(input);
            Mac mac = keys.mac();
            for (int part = 0; part < 2; part++) {
                byte[] sealed = readSealed(in);
                Envelope.Opened opened = Envelope.open(sealed, 0, sealed.length, mac);
                if (opened == null) {
                    rejected.incrementAndGet();
                    throw new IOException("the state does not carry this cluster's MAC");
                }
                handle(opened, channel.getView().getCoord());
            }
        }
    }

    private void handle(Envelope.Opened opened, Address from) {
        if (opened.kind() == Envelope.SESSIONS) {
            SessionBatch batch = SessionBatch.decode(opened.data(), opened.offset(), opened.length());
            if (batch != null) {
                apply(batch);
                return;
            }
        } else if (opened.kind() == Envelope.RUNTIME) {
            SharedDocument.Copy copy = decodeCopy(opened.data(), opened.offset(), opened.length());
            if (copy != null) {
                received(copy, from);
                return;
            }
        }
        rejected.incrementAndGet();
        LOG.warn("cluster {}: a message of kind {} from {} is not one this version reads (another Sluice version?); dropped",
                config.name(), opened.kind(), from);
    }

    private static void writeSealed(java.io.DataOutputStream out, byte[] sealed) throws IOException {
        out.writeInt(sealed.length);
        out.write(sealed);
    }

    private static byte[] readSealed(java.io.DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 64 * 1024 * 1024) {
            throw new IOException("a part of " + length + " bytes is not a Sluice cluster state");
        }
        return in.readNBytes(length);
    }

    private static String rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
