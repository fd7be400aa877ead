package io.sluice.cluster;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.protocols.EncryptHeader;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups' SYM_ENCRYPT keyed with the cluster's AES key (AES-256-CBC, a fresh IV per message),
 * which also says what JGroups only traces: a message sealed with another key (an instance
 * started with another secret, or a stranger) is dropped and logged as a warning, at most once
 * a minute per sender, with its address. Such an instance never gets into the cluster: its join
 * request cannot be read.
 */
final class SealedChannel extends SYM_ENCRYPT {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final String clusterName;
    private final Map<Address, Long> lastWarning = new ConcurrentHashMap<>();

    private SealedChannel(String clusterName) {
        this.clusterName = clusterName;
        // JGroups knows protocols by id: this one is SYM_ENCRYPT on the wire, and speaks it
        setId(org.jgroups.conf.ClassConfigurator.getProtocolId(SYM_ENCRYPT.class));
    }

    static SealedChannel with(SecretKey key, String clusterName) throws Exception {
        SealedChannel channel = new SealedChannel(clusterName);
        channel.symAlgorithm("AES/CBC/PKCS5Padding");
        channel.symIvLength(16);
        channel.setSecretKey(key);
        return channel;
    }

    @Override
    protected Message decrypt(Cipher cipher, Message message) throws Exception {
        EncryptHeader header = message.getHeader(id);
        if (header != null && header.version() != null && !Arrays.equals(header.version(), sym_version)) {
            warn(message.getSrc());
            return null;
        }
        return super.decrypt(cipher, message);
    }

    private void warn(Address sender) {
        long now = System.nanoTime();
        Long last = lastWarning.get(sender);
        if (last != null && now - last < WARN_EVERY_NANOS) {
            return;
        }
        if (lastWarning.size() > 1024) {
            lastWarning.clear();
        }
        lastWarning.put(sender, now);
        Object physical = down(new Event(Event.GET_PHYSICAL_ADDRESS, sender));
        LOG.warn("cluster {}: refused {} ({}): its messages are sealed with another secret; is its cluster.secret-file the same as "
                + "this instance's? (logged at most once a minute per sender)", clusterName, sender, physical == null ? "address unknown" : physical);
    }
}
