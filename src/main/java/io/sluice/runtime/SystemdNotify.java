package io.sluice.runtime;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd (a {@code Type=notify} unit) that Sluice is ready, so that
 * {@code systemctl start} returns only once every listener is bound.
 *
 * <p>Why a child process: the protocol is a datagram on the AF_UNIX socket named by
 * {@code $NOTIFY_SOCKET}, and JDK 17 has no UNIX datagram sockets. {@code systemd-notify}
 * sends it for us; the unit sets {@code NotifyAccess=all} so systemd accepts a message from a
 * child, and {@code --pid} names this JVM as the main process. Since systemd 246
 * {@code systemd-notify} waits until systemd has processed the message (a barrier), so its
 * exit does not race the message's attribution to the unit.
 */
public final class SystemdNotify {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

    private SystemdNotify() {
    }

    /** True when started by systemd as a notify service. */
    public static boolean expected() {
        String socket = System.getenv("NOTIFY_SOCKET");
        return socket != null && !socket.isEmpty();
    }

    /** READY=1 with a status line; a no-op outside systemd. */
    public static void ready(String status) {
        send("--ready", "--status=" + status);
    }

    /** STOPPING=1: systemctl shows "deactivating" while requests in flight drain. */
    public static void stopping() {
        send("STOPPING=1");
    }

    private static void send(String... message) {
        if (!expected()) {
            return;
        }
        List<String> command = new java.util.ArrayList<>();
        command.add("systemd-notify");
        command.add("--pid=" + ProcessHandle.current().pid());
        command.addAll(List.of(message));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                LOG.warn("systemd-notify {} did not finish within 10 s", List.of(message));
            } else if (process.exitValue() != 0) {
                LOG.warn("systemd-notify {} exited {}; systemd may time the start out", List.of(message), process.exitValue());
            }
        } catch (IOException e) {
            LOG.warn("cannot run systemd-notify ({}); systemd may time the start out", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
