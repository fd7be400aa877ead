package io.sluice.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens many connections that misbehave and holds them: idle ones that never send a byte, and
 * TLS ones that stop half way through their ClientHello. {@link #stillOpen} tells how many the
 * server has not closed yet (a non-blocking read per connection: end of stream or a reset means
 * closed), {@link #refused} how many were closed without ever being used.
 *
 * <p>Used by AdmissionIT, and by hand against a running Sluice to measure what a flood costs:
 * <pre>
 * java -cp target/test-classes io.sluice.testing.Flood 127.0.0.1:8080 idle 5000 [pid]
 * java -cp target/test-classes io.sluice.testing.Flood 127.0.0.1:8443 half-hello 500 [pid]
 * </pre>
 * It prints, every second, how many connections are still open and (given Sluice's pid) its
 * resident memory, until all are closed or 120 s passed.
 */
public final class Flood implements AutoCloseable {
    private final List<SocketChannel> channels = new ArrayList<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(4096);

    /** {@code count} connections that send nothing. Connections the server refuses at once are kept too (and count as closed). */
    public static Flood idle(InetSocketAddress address, int count) throws IOException {
        return open(address, count, null);
    }

    /**
     * {@code count} connections that send the first 100 bytes of a ClientHello whose record
     * header announces 512: the server has a handshake begun and never finished.
     */
    public static Flood halfClientHello(InetSocketAddress address, int count) throws IOException {
        return open(address, count, halfHello());
    }

    private static Flood open(InetSocketAddress address, int count, byte[] firstBytes) throws IOException {
        Flood flood = new Flood();
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open();
                flood.channels.add(channel);
                channel.setOption(StandardSocketOptions.SO_LINGER, 0); // closing here leaves no TIME_WAIT
                channel.connect(address);
                if (firstBytes != null) {
                    try {
                        channel.write(ByteBuffer.wrap(firstBytes));
                    } catch (IOException refused) {
                        // reset at once over a limit: counted as closed by stillOpen()
                    }
                }
                channel.configureBlocking(false);
            }
        } catch (IOException | RuntimeException e) {
            flood.close();
            throw e;
        }
        return flood;
    }

    public int size() {
        return channels.size();
    }

    /** How many connections the server has not closed (or reset) yet. Data it sent is read and dropped. */
    public synchronized int stillOpen() {
        int open = 0;
        for (SocketChannel channel : channels) {
            if (isOpen(channel)) {
                open++;
            }
        }
        return open;
    }

    private boolean isOpen(SocketChannel channel) {
        if (!channel.isOpen()) {
            return false;
        }
        try {
            while (true) {
                scratch.clear();
                int read = channel.read(scratch);
                if (read == 0) {
                    return true;
                }
                if (read < 0) {
                    channel.close();
                    return false;
                }
            }
        } catch (IOException reset) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closed
            }
            return false;
        }
    }

    @Override
    public synchronized void close() {
        for (SocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A TLS 1.2/1.3 ClientHello record header claiming 512 bytes, and only its first 95 bytes of body. */
    static byte[] halfHello() {
        byte[] bytes = new byte[100];
        bytes[0] = 0x16;                     // handshake record
        bytes[1] = 0x03;
        bytes[2] = 0x01;                     // legacy record version TLS 1.0
        bytes[3] = 0x02;
        bytes[4] = 0x00;                     // record length 512
        bytes[5] = 0x01;                     // ClientHello
        bytes[6] = 0x00;
        bytes[7] = 0x01;
        bytes[8] = (byte) 0xfc;              // handshake length 508
        bytes[9] = 0x03;
        bytes[10] = 0x03;                    // client_version TLS 1.2
        for (int i = 11; i < bytes.length; i++) {
            bytes[i] = (byte) i;             // random, then the start of the session id...
        }
        return bytes;
    }

    /** VmRSS of a process in KiB, or -1. */
    public static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Flood host:port idle|half-hello COUNT [PID]");
            System.exit(2);
        }
        int colon = args[0].lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(args[0].substring(0, colon), Integer.parseInt(args[0].substring(colon + 1)));
        int count = Integer.parseInt(args[2]);
        long pid = args.length > 3 ? Long.parseLong(args[3]) : -1;
        long rssBefore = pid > 0 ? rssKib(pid) : -1;
        long start = System.nanoTime();
        try (Flood flood = args[1].equals("half-hello") ? halfClientHello(address, count) : idle(address, count)) {
            long opened = System.nanoTime();
            System.out.printf("opened %d connections in %d ms; Sluice RSS before %d KiB%n", count, (opened - start) / 1_000_000, rssBefore);
            int open = flood.stillOpen();
            for (int second = 0; second <= 120 && open > 0; second++) {
                System.out.printf("t=%3d s  still open %5d  Sluice RSS %d KiB%n", second, open, pid > 0 ? rssKib(pid) : -1);
                Thread.sleep(1000);
                open = flood.stillOpen();
            }
            System.out.printf("all %d closed by the server after %d ms (%s)%n", count - open, (System.nanoTime() - opened) / 1_000_000,
                    open == 0 ? "none left" : open + " still open");
        }
    }
}
