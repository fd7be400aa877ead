package io.sluice.listener;

import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Lets a client connection's read interest stay registered while Undertow has reads suspended,
 * and takes it out only if the client sends something in that time.
 *
 * <p>Undertow suspends reads on the client connection when a request's head has been parsed and
 * resumes them when the exchange completes; for a proxied request those two happen in different
 * turns of the IO thread's loop, so XNIO's level-triggered selector removes the socket from epoll
 * and adds it back for every request: two {@code epoll_ctl} system calls (about 6 % of the CPU of a
 * kept-alive HTTP/1.1 request in bench/). A kept-alive client does not send while it waits for its
 * response, so here a suspend is only noted; the socket stays registered, and if it does become
 * readable while reads are suspended, the event is not passed up and the suspend is made real then.
 * What the layers above see is unchanged: no read event while they have reads suspended.
 *
 * <p>It sits directly over the TCP connection, under TLS and under Undertow's parser. Undertow
 * may resume reads from another thread (an exchange that ends off the IO thread): the flag is
 * volatile and the IO thread looks at it again after it takes the interest out.
 */
final class LazyReadSuspend extends AbstractStreamSourceConduit<StreamSourceConduit> {
    /** What the layers above asked for, whatever the selector has registered. */
    private volatile boolean resumed;

    private LazyReadSuspend(StreamSourceConduit next) {
        super(next);
    }

    /** Puts the conduit directly over the connection's socket, before anything else is stacked on it. */
    static void install(StreamConnection connection) {
        ConduitStreamSourceChannel channel = connection.getSourceChannel();
        LazyReadSuspend conduit = new LazyReadSuspend(channel.getConduit());
        channel.setConduit(conduit);
        // the socket calls the handler it was given when the channel was made, past any conduit
        // stacked since: the gate goes in between (TLS, when it wraps the connection, replaces
        // the handler through this conduit and is gated the same way)
        conduit.setReadReadyHandler(new ReadReadyHandler.ChannelListenerHandler<>(channel));
    }

    @Override
    public void setReadReadyHandler(ReadReadyHandler handler) {
        next.setReadReadyHandler(handler == null ? null : new Gate(handler));
    }

    @Override
    public void resumeReads() {
        resumed = true;
        next.resumeReads();
    }

    @Override
    public void wakeupReads() {
        resumed = true;
        next.wakeupReads();
    }

    @Override
    public void suspendReads() {
        resumed = false;
    }

    @Override
    public boolean isReadResumed() {
        return resumed;
    }

    /** Passes a read event up only while the layers above want reads. */
    private final class Gate implements ReadReadyHandler {
        private final ReadReadyHandler above;

        Gate(ReadReadyHandler above) {
            this.above = above;
        }

        @Override
        public void readReady() {
            if (resumed) {
                above.readReady();
                return;
            }
            next.suspendReads();
            if (resumed) {
                // resumed from another thread between the two reads of the flag: its resume may
                // have seen the interest still registered and done nothing
                next.resumeReads();
            }
        }

        @Override
        public void forceTermination() {
            above.forceTermination();
        }

        @Override
        public void terminated() {
            above.terminated();
        }
    }
}
