package io.sluice.cluster;

import io.sluice.pool.SessionSharing;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Learned sessions as instances send them (in an {@link Envelope}): a batch of (pool, table,
 * session key, member, seconds idle). Layout: count (int), then the entries.
 */
record SessionBatch(List<Entry> entries) {

    /** One session: its {@link io.sluice.pool.SessionKeys} value, never its id. */
    record Entry(String pool, SessionSharing.Table table, long key, String member, int idleSeconds) {
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + entries.size() * 40);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
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
        return bytes.toByteArray();
    }

    /** The batch in data[offset, offset + length), or null when the bytes are not one (another version's format). */
    static SessionBatch decode(byte[] data, int offset, int length) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data, offset, length))) {
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
