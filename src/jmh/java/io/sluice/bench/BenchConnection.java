package io.sluice.bench;

import io.undertow.UndertowMessages;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.HttpUpgradeListener;
import io.undertow.server.SSLSessionInfo;
import io.undertow.server.ServerConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.xnio.ChannelListener;
import org.xnio.Option;
import org.xnio.OptionMap;
import org.xnio.Pool;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.ConnectedChannel;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSinkConduit;

/**
 * A connection that is never read or written: just enough for an {@link HttpServerExchange}
 * whose handlers look at the peer address and the TLS session, as Undertow's own tests do
 * with their MockServerConnection. Nothing in the benchmarks sends a response through it.
 */
public final class BenchConnection extends ServerConnection {
    private final InetSocketAddress peer;
    private final InetSocketAddress local;
    private SSLSessionInfo sslSessionInfo;

    public BenchConnection(InetSocketAddress peer, InetSocketAddress local) {
        this.peer = peer;
        this.local = local;
    }

    @Override
    public Pool<ByteBuffer> getBufferPool() {
        return null;
    }

    @Override
    public ByteBufferPool getByteBufferPool() {
        return null;
    }

    @Override
    public XnioWorker getWorker() {
        return null;
    }

    @Override
    public XnioIoThread getIoThread() {
        return null;
    }

    @Override
    public HttpServerExchange sendOutOfBandResponse(HttpServerExchange exchange) {
        throw UndertowMessages.MESSAGES.outOfBandResponseNotSupported();
    }

    @Override
    public boolean isContinueResponseSupported() {
        return false;
    }

    @Override
    public void terminateRequestChannel(HttpServerExchange exchange) {
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public boolean supportsOption(Option<?> option) {
        return false;
    }

    @Override
    public <T> T getOption(Option<T> option) {
        return null;
    }

    @Override
    public <T> T setOption(Option<T> option, T value) {
        return null;
    }

    @Override
    public void close() throws IOException {
    }

    @Override
    public SocketAddress getPeerAddress() {
        return peer;
    }

    @Override
    public <A extends SocketAddress> A getPeerAddress(Class<A> type) {
        return type.isInstance(peer) ? type.cast(peer) : null;
    }

    @Override
    public ChannelListener.Setter<? extends ConnectedChannel> getCloseSetter() {
        return null;
    }

    @Override
    public SocketAddress getLocalAddress() {
        return local;
    }

    @Override
    public <A extends SocketAddress> A getLocalAddress(Class<A> type) {
        return type.isInstance(local) ? type.cast(local) : null;
    }

    @Override
    public OptionMap getUndertowOptions() {
        return OptionMap.EMPTY;
    }

    @Override
    public int getBufferSize() {
        return 16 * 1024;
    }

    @Override
    public SSLSessionInfo getSslSessionInfo() {
        return sslSessionInfo;
    }

    @Override
    public void setSslSessionInfo(SSLSessionInfo sessionInfo) {
        this.sslSessionInfo = sessionInfo;
    }

    @Override
    public void addCloseListener(CloseListener listener) {
    }

    @Override
    protected StreamConnection upgradeChannel() {
        return null;
    }

    @Override
    protected ConduitStreamSinkChannel getSinkChannel() {
        return null;
    }

    @Override
    protected ConduitStreamSourceChannel getSourceChannel() {
        return null;
    }

    @Override
    protected StreamSinkConduit getSinkConduit(HttpServerExchange exchange, StreamSinkConduit conduit) {
        return conduit;
    }

    @Override
    protected boolean isUpgradeSupported() {
        return false;
    }

    @Override
    protected boolean isConnectSupported() {
        return false;
    }

    @Override
    protected void exchangeComplete(HttpServerExchange exchange) {
    }

    @Override
    protected void setUpgradeListener(HttpUpgradeListener upgradeListener) {
    }

    @Override
    protected void setConnectListener(HttpUpgradeListener connectListener) {
    }

    @Override
    protected void maxEntitySizeUpdated(HttpServerExchange exchange) {
    }

    @Override
    public String getTransportProtocol() {
        return "bench";
    }

    @Override
    public boolean isRequestTrailerFieldsSupported() {
        return false;
    }
}
