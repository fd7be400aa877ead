package io.sluice.backend;

import io.undertow.client.ClientProvider;
import io.undertow.client.UndertowClient;
import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.function.IntSupplier;
import org.xnio.Option;

/**
 * The HTTP/1.1 client behind every pool's backend connections and health checks:
 * Sluice's own ({@link BackendClientProvider}) unless the system property
 * {@code sluice.backend-client=undertow} asks for Undertow's, a knob for measuring one
 * against the other (bench/README.md), not a setting.
 *
 * <p>{@link UndertowClient} finds its providers with a ServiceLoader and keeps one per
 * scheme in a hash map, so with two providers for http the winner would be chance. Sluice's
 * provider is therefore not registered in META-INF/services at all: its client is built
 * from a class loader that shows the ServiceLoader one services file, naming only it.
 */
public final class BackendClients {
    public static final String PROPERTY = "sluice.backend-client";
    /**
     * The largest response head, or trailer section, a member may send (limits.max-header-size).
     * Asked each time a connection opens, so a changed value (a reload) reaches the connections
     * opened after the change; a connection keeps the limit it opened with.
     */
    public static final Option<IntSupplier> MAX_HEAD_SIZE = Option.simple(BackendClients.class, "MAX_HEAD_SIZE", IntSupplier.class);
    static final int DEFAULT_MAX_HEAD_SIZE = 64 * 1024;
    private static final String SERVICES = "META-INF/services/" + ClientProvider.class.getName();
    private static final String OWN_SERVICES = "META-INF/sluice/backend-client-provider";

    private static volatile UndertowClient own;

    private BackendClients() {
    }

    /** The client the system property names: "sluice" (the default) or "undertow". */
    public static UndertowClient client() {
        String chosen = System.getProperty(PROPERTY, "sluice").trim().toLowerCase(Locale.ROOT);
        return switch (chosen) {
            case "sluice", "" -> own();
            case "undertow" -> UndertowClient.getInstance();
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " is \"sluice\" or \"undertow\", not \"" + chosen + "\"");
        };
    }

    private static UndertowClient own() {
        UndertowClient client = own;
        if (client == null) {
            client = UndertowClient.getInstance(new OwnProviderOnly(BackendClients.class.getClassLoader()));
            own = client;
        }
        return client;
    }

    /** Shows the ServiceLoader Sluice's provider list instead of every jar's. */
    private static final class OwnProviderOnly extends ClassLoader {
        OwnProviderOnly(ClassLoader parent) {
            super(parent);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            if (SERVICES.equals(name)) {
                URL list = getParent().getResource(OWN_SERVICES);
                if (list == null) {
                    throw new IOException(OWN_SERVICES + " is missing from the class path");
                }
                return Collections.enumeration(java.util.List.of(list));
            }
            return super.getResources(name);
        }
    }
}
