package io.sluice.backend;

import io.undertow.channels.DetachableStreamSinkChannel;
import io.undertow.channels.DetachableStreamSourceChannel;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.ContinueNotification;
import io.undertow.client.PushCallback;
import io.undertow.util.AbstractAttachable;
import java.io.IOException;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * One request and its response on a {@link BackendConnection}. Its channels are views of
 * the connection's that go quiet (reads end, writes and closes do nothing) once this
 * exchange's part is done, so a listener left over from it cannot touch the next request
 * on the same kept-alive connection. Confined to the connection's IO thread.
 */
final class BackendExchange extends AbstractAttachable implements ClientExchange {
    private final BackendConnection connection;
    private final ClientRequest request;
    private ClientCallback<ClientExchange> responseListener;
    private ContinueNotification continueHandler;
    private ClientResponse response;
    private ClientResponse continueResponse;
    private IOException failure;
    boolean requestDone;
    boolean responseDone;
    private StreamSinkChannel requestChannel;
    private StreamSourceChannel responseChannel;

    BackendExchange(BackendConnection connection, ClientRequest request) {
        this.connection = connection;
        this.request = request;
    }

    @Override
    public void setResponseListener(ClientCallback<ClientExchange> listener) {
        responseListener = listener;
        if (listener != null) {
            if (failure != null) {
                responseListener = null;
                listener.failed(failure);
            } else if (response != null) {
                listener.completed(this);
            }
        }
    }

    @Override
    public void setContinueHandler(ContinueNotification handler) {
        continueHandler = handler;
    }

    @Override
    public void setPushHandler(PushCallback pushCallback) {
        // HTTP/1.1 has no push
    }

    /** The final response head arrived. */
    void deliver(ClientResponse head) {
        response = head;
        ClientCallback<ClientExchange> listener = responseListener;
        if (listener != null) {
            listener.completed(this);
        }
    }

    /** A 100 Continue arrived. */
    void continued(ClientResponse head) {
        continueResponse = head;
        ContinueNotification handler = continueHandler;
        if (handler != null) {
            handler.handleContinue(this);
        }
    }

    /** The exchange failed before its response head was delivered; later failures belong to the body's reader. */
    void fail(IOException e) {
        if (response != null || failure != null) {
            return;
        }
        failure = e;
        ClientCallback<ClientExchange> listener = responseListener;
        if (listener != null) {
            responseListener = null;
            listener.failed(e);
        }
    }

    boolean answered() {
        return response != null;
    }

    @Override
    public StreamSinkChannel getRequestChannel() {
        StreamSinkChannel channel = requestChannel;
        if (channel == null) {
            channel = new DetachableStreamSinkChannel(connection.sinkChannel()) {
                @Override
                protected boolean isFinished() {
                    return requestDone;
                }
            };
            requestChannel = channel;
        }
        return channel;
    }

    @Override
    public StreamSourceChannel getResponseChannel() {
        StreamSourceChannel channel = responseChannel;
        if (channel == null) {
            channel = new DetachableStreamSourceChannel(connection.sourceChannel()) {
                @Override
                protected boolean isFinished() {
                    return responseDone;
                }
            };
            responseChannel = channel;
        }
        return channel;
    }

    @Override
    public ClientRequest getRequest() {
        return request;
    }

    @Override
    public ClientResponse getResponse() {
        return response;
    }

    @Override
    public ClientResponse getContinueResponse() {
        return continueResponse;
    }

    @Override
    public ClientConnection getConnection() {
        return connection;
    }
}
