package io.sluice.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol from plain Java: enough to
 * load a page with a header set, evaluate expressions, click, wait for loads and take a
 * screenshot. The flags are those this machine kind needs (no sandbox as root, no
 * background networking on a closed network).
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final WebSocket socket;
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final AtomicInteger ids = new AtomicInteger();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/chromium"));
    }

    public static HeadlessChromium start(Path profile) throws Exception {
        return start(profile, List.of());
    }

    /** With extra command-line flags, e.g. --ignore-certificate-errors for a test's self-signed listener. */
    public static HeadlessChromium start(Path profile, List<String> extraFlags) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1280,900"));
        command.addAll(extraFlags);
        command.add("about:blank");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String browserUrl = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String line;
        while (browserUrl == null && System.nanoTime() < deadline && (line = output.readLine()) != null) {
            Matcher matcher = DEVTOOLS.matcher(line);
            if (matcher.find()) {
                browserUrl = matcher.group(1);
            }
        }
        if (browserUrl == null) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not start");
        }
        Thread drain = new Thread(() -> output.lines().forEach(ignored -> { }), "chromium-output");
        drain.setDaemon(true);
        drain.start();
        URI browser = URI.create(browserUrl);
        String list = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://" + browser.getAuthority() + "/json/list")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Matcher page = Pattern.compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+/page/[^\"]+)\"").matcher(list);
        if (!page.find()) {
            process.destroyForcibly();
            throw new IllegalStateException("no page target: " + list);
        }
        HeadlessChromium[] self = new HeadlessChromium[1];
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(page.group(1)), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            self[0].messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(process, socket);
        return self[0];
    }

    /** Sends a DevTools command and returns its JSON answer. */
    public String call(String method, String paramsJson) throws Exception {
        int id = ids.incrementAndGet();
        socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}", true).get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String message = messages.poll(1, TimeUnit.SECONDS);
            if (message != null && message.startsWith("{\"id\":" + id + ",")) {
                return message;
            }
        }
        throw new IllegalStateException("no answer to " + method);
    }

    /** Waits for a DevTools event, e.g. Page.loadEventFired (earlier messages are dropped). */
    public void awaitEvent(String method) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String message = messages.poll(1, TimeUnit.SECONDS);
            if (message != null && message.contains("\"method\":\"" + method + "\"")) {
                return;
            }
        }
        throw new IllegalStateException("no " + method);
    }

    /** Evaluates a JavaScript expression in the page and returns its value as text. */
    public String evaluate(String expression) throws Exception {
        String answer = call("Runtime.evaluate", "{\"expression\":" + quote(expression) + ",\"returnByValue\":true}");
        Matcher value = Pattern.compile("\"value\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[^,}]+)").matcher(answer);
        if (!value.find()) {
            throw new IllegalStateException("no value in " + answer);
        }
        return value.group(2) != null ? value.group(2).replace("\\\"", "\"").replace("\\n", "\n") : value.group(1);
    }

    public void screenshot(Path file) throws Exception {
        String answer = call("Page.captureScreenshot", "{\"format\":\"png\"}");
        Matcher data = Pattern.compile("\"data\":\"([^\"]+)\"").matcher(answer);
        if (!data.find()) {
            throw new IllegalStateException("no screenshot: " + answer);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, java.util.Base64.getDecoder().decode(data.group(1)));
    }

    public static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
