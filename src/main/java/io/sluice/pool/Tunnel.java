package io.sluice.pool;

import io.undertow.conduits.IdleTimeoutConduit;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.channels.Channel;
import org.xnio.ChannelExceptionHandler;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;

/**
 * The byte tunnel behind a 101 Switching Protocols (WebSocket), with an idle limit of its
 * own. Undertow's proxy relays upgraded connections with no limit at all (its response
 * read timeout is detached at the upgrade), so Sluice replaces its upgrade listener with
 * this one: the same two transfers, with an idle-timeout conduit on the client side that
 * counts traffic in both directions and closes both ends after websocket-idle-timeout of
 * silence.
 */
public final class Tunnel {
    private Tunnel() {
    }

    /** Called while the 101 is committed, before the exchange hands over its connection. */
    public static void install(HttpServerExchange exchange, RequestTrace trace, long idleMillis) {
        if (trace.backend() == null) {
            return;
        }
        exchange.upgradeChannel((client, upgraded) -> {
            StreamConnection backend = null;
            try {
                backend = trace.backend().performUpgrade();
                IdleTimeoutConduit idle = new IdleTimeoutConduit(client);
                idle.setIdleTimeout(idleMillis);
                client.getSourceChannel().setConduit(idle);
                client.getSinkChannel().setConduit(idle);
                ClosingBoth onError = new ClosingBoth(client, backend);
                relay(backend, client, onError, upgraded);
                relay(client, backend, onError, upgraded);
            } catch (IOException e) {
                IoUtils.safeClose(client, backend);
            }
        });
    }

    private static void relay(StreamConnection from, StreamConnection to, ClosingBoth onError, HttpServerExchange exchange) {
        io.undertow.util.Transfer.initiateTransfer(from.getSourceChannel(), to.getSinkChannel(),
                ChannelListeners.closingChannelListener(),
                ChannelListeners.writeShutdownChannelListener(ChannelListeners.<StreamSinkChannel>flushingChannelListener(
                        ChannelListeners.closingChannelListener(), ChannelListeners.closingChannelExceptionHandler()),
                        ChannelListeners.closingChannelExceptionHandler()),
                onError, onError, exchange.getConnection().getByteBufferPool());
    }

    /** Any error on either side (including the idle timeout) closes both ends. */
    private record ClosingBoth(StreamConnection client, StreamConnection backend) implements ChannelExceptionHandler<Channel> {
        @Override
        public void handleException(Channel channel, IOException exception) {
            IoUtils.safeClose(channel, client, backend);
        }
    }
}
