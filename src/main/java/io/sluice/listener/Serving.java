package io.sluice.listener;

import io.sluice.config.LimitsConfig;
import io.sluice.config.ListenerConfig;
import io.sluice.config.TlsConfig;
import io.sluice.tls.KeyMaterial;
import io.sluice.tls.ServerTls;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.OpenListener;
import java.util.List;

/**
 * What a bound listener gives the connections it accepts, under one configuration: the
 * protocol stack (Undertow's open listener, with the limits it was built with), the TLS, how
 * a connection is taken in, and the line the log shows for it.
 *
 * @param tls null for plain http
 */
record Serving(ListenerConfig config, LimitsConfig limits, OpenListener openListener, Tls tls,
                      AdmittingAcceptListener.Accepting accepting, String description) {

    /**
     * An https listener's TLS and what it was made from: the same settings and the same keys and
     * certificates make the same context, whose session cache and ticket keys then outlive a reload.
     */
    record Tls(TlsConfig settings, List<KeyMaterial> materials, ServerTls server, UndertowXnioSsl ssl) {
    }
}
