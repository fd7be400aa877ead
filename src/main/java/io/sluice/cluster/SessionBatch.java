package io.sluice.cluster;

import io.sluice.pool.SessionSharing;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;

/**
 * Learned sessions as instances send them: a batch of (pool, table, session key, member,
 * seconds idle), sealed with an HMAC-SHA256 of the cluster's authentication key, so nothing but
 * an instance holding the secret can write into another's tables, whatever reaches the port.
 *
 * <p>Layout: format (1 byte), count (int), the entries, then the 32-byte MAC of all before it.
 */
record SessionBatch(List<Entry> entries) {
    private static final byte FORMAT = 1;
    private static final int MAC_LENGTH = 32;

    /** One session: its {@link io.sluice.pool.SessionKeys} value, never its id. */
    record Entry(String pool, SessionSharing.Table table, long key, String member, int idleSeconds) {
    }

    byte[] seal(Mac mac) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + entries.size() * 40);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeInt(entries.size());
            for (Entry entry : entries) {
                out.writeUTF(entry.pool());
                out.writeByte(entry.table().ordinal());
                out.writeLong(entry.key());
                out.writeUTF(entry.member());
                out.writeInt(entry.idleSeconds());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        byte[] body = bytes.toByteArray();
        mac.update(body);
        byte[] tag = mac.doFinal();
        byte[] sealed = java.util.Arrays.copyOf(body, body.length + MAC_LENGTH);
        System.arraycopy(tag, 0, sealed, body.length, MAC_LENGTH);
        return sealed;
    }

    /** The batch, or null when the MAC does not match (another secret, or altered on the way) or the bytes are not a batch. */
    static SessionBatch open(byte[] data, int offset, int length, Mac mac) {
        if (length < 5 + MAC_LENGTH || !ClusterKeys.verify(mac, data, offset, length - MAC_LENGTH, data, offset + length - MAC_LENGTH)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data, offset, length - MAC_LENGTH))) {
            if (in.readByte() != FORMAT) {
                return null;
            }
            int count = in.readInt();
            if (count < 0 || count > length) {
                return null;
            }
            SessionSharing.Table[] tables = SessionSharing.Table.values();
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String pool = in.readUTF();
                int table = in.readByte();
                long key = in.readLong();
                String member = in.readUTF();
                int idle = in.readInt();
                if (table < 0 || table >= tables.length || idle < 0) {
                    return null;
                }
                entries.add(new Entry(pool, tables[table], key, member, idle));
            }
            return in.available() == 0 ? new SessionBatch(entries) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
