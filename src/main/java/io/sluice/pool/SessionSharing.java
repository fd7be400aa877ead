package io.sluice.pool;

/**
 * Where learned sessions go besides this process's own tables: to the other instances of a
 * cluster. {@link #LOCAL} keeps them here. The keys are {@link SessionKeys} values, never
 * session ids.
 */
public interface SessionSharing {

    /** The learned-session tables of a pool. */
    enum Table {
        /** Learn mode: session id to the member that issued or now serves it. */
        LEARNED,
        /** Route mode: sessions whose jvmRoute member failed, to the member they moved to. */
        MOVED
    }

    /** A live session as instances exchange it: its key, its member's name, seconds since last seen. */
    interface SharedSession {
        void accept(long key, String member, long idleSeconds);
    }

    /** The keys every table of this process uses. */
    SessionKeys keys();

    /**
     * A session was learned, moved or seen again after a while. Called on an IO thread: it must
     * neither block nor wait for the network.
     */
    void learned(String pool, Table table, long key, String member);

    /** No cluster: a key of this process alone, and nothing leaves it. */
    SessionSharing LOCAL = new SessionSharing() {
        private final SessionKeys keys = SessionKeys.random();

        @Override
        public SessionKeys keys() {
            return keys;
        }

        @Override
        public void learned(String pool, Table table, long key, String member) {
        }
    };
}
