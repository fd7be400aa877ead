package io.sluice;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.demo.DemoBackend;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code sluice demo}: two in-process backend nodes (jvmRoutes node1 and node2) behind
 * Sluice, configured by the bundled demo.conf (the same file as examples/demo.conf):
 * https://localhost:8443 with a self-signed certificate, http://localhost:8080
 * redirecting to it.
 */
public final class DemoCommand {
    static final String HOST = "127.0.0.1";
    static final int NODE1_PORT = 18081;
    static final int NODE2_PORT = 18082;

    private DemoCommand() {
    }

    public static int run(PrintStream out, PrintStream err) {
        SluiceConfig config;
        try {
            Config parsed = ConfigFactory.parseResources(DemoCommand.class.getClassLoader(), "demo.conf");
            config = ConfigLoader.load(parsed, Path.of("demo.conf"), Path.of("."));
        } catch (ConfigException e) {
            Sluice.printProblems(e, Path.of("demo.conf"), err);
            return Sluice.INVALID_CONFIG;
        }
        DemoBackend node1;
        DemoBackend node2;
        try {
            node1 = DemoBackend.start(HOST, NODE1_PORT, "node1");
        } catch (RuntimeException e) {
            err.println("sluice demo: cannot start demo node1 on " + HOST + ":" + NODE1_PORT + ": " + e.getMessage());
            return Sluice.START_FAILED;
        }
        try {
            node2 = DemoBackend.start(HOST, NODE2_PORT, "node2");
        } catch (RuntimeException e) {
            node1.close();
            err.println("sluice demo: cannot start demo node2 on " + HOST + ":" + NODE2_PORT + ": " + e.getMessage());
            return Sluice.START_FAILED;
        }
        int code = Sluice.serveUntilStopped(config, err, () -> out.println(instructions()), () -> {
            node1.close();
            node2.close();
        });
        if (code != Sluice.OK) {
            node1.close();
            node2.close();
        }
        return code;
    }

    static String instructions() {
        return """

                Sluice demo is running: node1 (127.0.0.1:18081) and node2 (127.0.0.1:18082) behind
                  https://localhost:8443   (self-signed certificate, hence curl -k)
                  http://localhost:8080    (308 redirect to https)

                Round robin, no session cookie: node1, node2, node1, ...
                  for i in 1 2 3 4; do curl -sk https://localhost:8443/; done

                Sticky: keep the JSESSIONID=<id>.<jvmRoute> cookie and stay on one node, count growing
                  for i in 1 2 3 4; do curl -sk -b demo-cookies.txt -c demo-cookies.txt https://localhost:8443/; done

                Sticky by path parameter, as Tomcat's URL rewriting does:
                  curl -sk "https://localhost:8443/app;jsessionid=abc.node2"

                The balancer-manager page (read-only in the demo), the API and the metrics:
                  http://127.0.0.1:9900/     curl -s http://127.0.0.1:9900/api/v1/pools     curl -s http://127.0.0.1:9900/metrics

                The redirect, and HTTP/2:
                  curl -si http://localhost:8080/hello?x=1 | head -3
                  curl -sk --http2 -o /dev/null -w '%{http_version}\\n' https://localhost:8443/

                Press Ctrl-C to stop.
                """;
    }
}
