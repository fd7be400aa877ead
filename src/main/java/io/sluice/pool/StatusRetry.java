package io.sluice.pool;

import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.ClientStatistics;
import io.undertow.client.ContinueNotification;
import io.undertow.client.PushCallback;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.AttachmentList;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.Option;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * Retries on a member's own 502, 503 or 504 (when the route's retry-on names them),
 * through Undertow's ProxyHandler unchanged: the backend connection it is handed is this
 * thin view of the real one, whose response listener looks at the status first. A status
 * the policy retries, for a request that can be replayed whole and with another member to
 * try, is turned into a failed attempt (the connection is closed, so its body is never
 * read) and ProxyHandler's own retry path asks the pool for the next member. Anything else
 * goes to ProxyHandler as it came. Only requests whose policy retries on a status get this
 * view: the others pay nothing.
 */
final class StatusRetry {
    private StatusRetry() {
    }

    /** The decision, made when the response head arrives. */
    interface Decider {
        /** Whether a response with this status is to be dropped and the request sent to another member. */
        boolean retriesStatus(HttpServerExchange exchange, RequestTrace trace, int status);
    }

    static ProxyConnection wrap(ProxyConnection connection, HttpServerExchange exchange, RequestTrace trace, Decider decider) {
        return new ProxyConnection(new Connection(connection.getConnection(), exchange, trace, decider), connection.getTargetPath());
    }

    private record Connection(ClientConnection real, HttpServerExchange exchange, RequestTrace trace, Decider decider)
            implements ClientConnection {
        @Override
        public void sendRequest(ClientRequest request, ClientCallback<ClientExchange> callback) {
            real.sendRequest(request, new ClientCallback<>() {
                @Override
                public void completed(ClientExchange sent) {
                    callback.completed(new Exchange(sent, Connection.this));
                }

                @Override
                public void failed(IOException e) {
                    callback.failed(e);
                }
            });
        }

        @Override
        public StreamConnection performUpgrade() throws IOException {
            return real.performUpgrade();
        }

        @Override
        public ByteBufferPool getBufferPool() {
            return real.getBufferPool();
        }

        @Override
        public SocketAddress getPeerAddress() {
            return real.getPeerAddress();
        }

        @Override
        public <A extends SocketAddress> A getPeerAddress(Class<A> type) {
            return real.getPeerAddress(type);
        }

        @Override
        public ChannelListener.Setter<? extends ClientConnection> getCloseSetter() {
            return real.getCloseSetter();
        }

        @Override
        public SocketAddress getLocalAddress() {
            return real.getLocalAddress();
        }

        @Override
        public <A extends SocketAddress> A getLocalAddress(Class<A> type) {
            return real.getLocalAddress(type);
        }

        @Override
        public XnioWorker getWorker() {
            return real.getWorker();
        }

        @Override
        public XnioIoThread getIoThread() {
            return real.getIoThread();
        }

        @Override
        public boolean isOpen() {
            return real.isOpen();
        }

        @Override
        public boolean supportsOption(Option<?> option) {
            return real.supportsOption(option);
        }

        @Override
        public <T> T getOption(Option<T> option) throws IOException {
            return real.getOption(option);
        }

        @Override
        public <T> T setOption(Option<T> option, T value) throws IOException {
            return real.setOption(option, value);
        }

        @Override
        public boolean isUpgraded() {
            return real.isUpgraded();
        }

        @Override
        public boolean isPushSupported() {
            return real.isPushSupported();
        }

        @Override
        public boolean isMultiplexingSupported() {
            return real.isMultiplexingSupported();
        }

        @Override
        public ClientStatistics getStatistics() {
            return real.getStatistics();
        }

        @Override
        public boolean isUpgradeSupported() {
            return real.isUpgradeSupported();
        }

        @Override
        public void addCloseListener(ChannelListener<ClientConnection> listener) {
            real.addCloseListener(listener);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }

    private static final class Exchange implements ClientExchange {
        private final ClientExchange real;
        private final Connection connection;

        Exchange(ClientExchange real, Connection connection) {
            this.real = real;
            this.connection = connection;
        }

        @Override
        public void setResponseListener(ClientCallback<ClientExchange> listener) {
            real.setResponseListener(new ClientCallback<>() {
                /** Closing the connection fails the exchange once more: ProxyHandler hears of it once. */
                private boolean answered;

                @Override
                public void completed(ClientExchange result) {
                    if (answered) {
                        return;
                    }
                    answered = true;
                    int status = result.getResponse().getResponseCode();
                    if (connection.decider().retriesStatus(connection.exchange(), connection.trace(), status)) {
                        IoUtils.safeClose(connection.real());
                        listener.failed(new IOException("member answered " + status + ": tried on another member"));
                    } else {
                        listener.completed(result);
                    }
                }

                @Override
                public void failed(IOException e) {
                    if (!answered) {
                        answered = true;
                        listener.failed(e);
                    }
                }
            });
        }

        @Override
        public void setContinueHandler(ContinueNotification continueHandler) {
            real.setContinueHandler(continueHandler);
        }

        @Override
        public void setPushHandler(PushCallback pushCallback) {
            real.setPushHandler(pushCallback);
        }

        @Override
        public StreamSinkChannel getRequestChannel() {
            return real.getRequestChannel();
        }

        @Override
        public StreamSourceChannel getResponseChannel() {
            return real.getResponseChannel();
        }

        @Override
        public ClientRequest getRequest() {
            return real.getRequest();
        }

        @Override
        public ClientResponse getResponse() {
            return real.getResponse();
        }

        @Override
        public ClientResponse getContinueResponse() {
            return real.getContinueResponse();
        }

        @Override
        public ClientConnection getConnection() {
            return connection;
        }

        @Override
        public <T> T getAttachment(AttachmentKey<T> key) {
            return real.getAttachment(key);
        }

        @Override
        public <T> List<T> getAttachmentList(AttachmentKey<? extends List<T>> key) {
            return real.getAttachmentList(key);
        }

        @Override
        public <T> T putAttachment(AttachmentKey<T> key, T value) {
            return real.putAttachment(key, value);
        }

        @Override
        public <T> T removeAttachment(AttachmentKey<T> key) {
            return real.removeAttachment(key);
        }

        @Override
        public <T> void addToAttachmentList(AttachmentKey<AttachmentList<T>> key, T value) {
            real.addToAttachmentList(key, value);
        }
    }
}
