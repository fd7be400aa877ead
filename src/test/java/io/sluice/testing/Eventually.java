package io.sluice.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for what happens asynchronously (a member joining, a metric moving), and a free port to bind later. */
public final class Eventually {
    private Eventually() {
    }

    /** Polls {@code condition} every 20 ms until it holds; fails naming {@code what} after {@code within}. */
    public static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within.toMillis() + " ms: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A port free on loopback now, for a configuration that must name it before binding (a cluster's peers, a moved listener). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
