package io.sluice;

import io.sluice.admin.ReloadOutcome;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.Problem;
import io.sluice.config.SluiceConfig;

import io.sluice.runtime.ControlSocket;
import io.sluice.runtime.Reloader;
import io.sluice.runtime.SluiceServer;
import io.sluice.runtime.StartupException;
import io.sluice.runtime.SystemdNotify;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Command line: {@code sluice run -c FILE | check -c FILE | demo | version}.
 * Exit codes: 0 success, 1 invalid configuration, 2 usage error, 3 could not start.
 */
public final class Sluice {
    public static final int OK = 0;
    public static final int INVALID_CONFIG = 1;
    public static final int USAGE = 2;
    public static final int START_FAILED = 3;

    private static final String USAGE_TEXT = """
            usage: sluice run -c FILE      serve with this configuration
                   sluice check -c FILE    validate the configuration, bind nothing (like nginx -t)
                   sluice reload -c FILE   make the running Sluice (its control-socket) apply FILE; exit 1 if refused
                   sluice passwd           print the salted hash of a password for admin.users (reads stdin)
                   sluice ctl -c FILE ...  the admin API: pools | drain POOL MEMBER [--wait] | enable | disable | standby | weight | add | remove | cluster
                   sluice demo             two demo nodes behind Sluice on https://localhost:8443
                   sluice version          print the version""";

    private Sluice() {
    }

    /** What SIGHUP does: nothing until the server is up (then a reload), so a HUP while starting is never fatal. */
    private static final AtomicReference<Runnable> HANGUP = new AtomicReference<>();
    private static final AtomicBoolean HANGUP_WHILE_STARTING = new AtomicBoolean();

    public static void main(String[] args) {
        // jboss-logging (Undertow, XNIO) must pick SLF4J before its first logger is made
        System.setProperty("org.jboss.logging.provider", "slf4j");
        if (args.length > 0 && (args[0].equals("run") || args[0].equals("demo"))) {
            installHangupHandler();
        }
        int code = execute(args, System.out, System.err);
        System.exit(code);
    }

    /** Runs a command; for run and demo it returns only once the server has stopped. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        switch (args[0]) {
            case "version", "--version", "-v" -> {
                out.println("sluice " + version());
                return OK;
            }
            case "check" -> {
                Path file = configFile(args, err);
                return file == null ? USAGE : check(file, out, err);
            }
            case "run" -> {
                Path file = configFile(args, err);
                return file == null ? USAGE : run(file, err);
            }
            case "reload" -> {
                Path file = configFile(args, err);
                return file == null ? USAGE : reload(file, out, err);
            }
            case "demo" -> {
                return DemoCommand.run(out, err);
            }
            case "passwd" -> {
                return passwd(out, err);
            }
            case "ctl" -> {
                return ctl(args, out, err);
            }
            case "help", "--help", "-h" -> {
                out.println(USAGE_TEXT);
                return OK;
            }
            default -> {
                err.println("sluice: unknown command \"" + args[0] + "\"\n" + USAGE_TEXT);
                return USAGE;
            }
        }
    }

    public static String version() {
        return io.sluice.build.Version.current();
    }

    private static Path configFile(String[] args, PrintStream err) {
        if (args.length == 3 && (args[1].equals("-c") || args[1].equals("--config"))) {
            return Path.of(args[2]);
        }
        err.println("sluice " + args[0] + ": expected -c FILE\n" + USAGE_TEXT);
        return null;
    }

    private static int check(Path file, PrintStream out, PrintStream err) {
        try {
            SluiceConfig config = ConfigLoader.load(file);
            try {
                io.sluice.admin.RuntimeState.verify(config.admin().stateFile()); // run would refuse to start with it
            } catch (io.sluice.admin.StateFileException e) {
                err.println(e.getMessage());
                return INVALID_CONFIG;
            }
            out.print(ConfigSummary.render(config));
            return OK;
        } catch (ConfigException e) {
            printProblems(e, file, err);
            return INVALID_CONFIG;
        }
    }

    public static void printProblems(ConfigException e, Path file, PrintStream err) {
        for (Problem problem : e.problems()) {
            err.println(problem.render());
        }
        err.println(file + ": " + e.problems().size() + (e.problems().size() == 1 ? " error" : " errors"));
    }

    private static void installHangupHandler() {
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                Runnable action = HANGUP.get();
                if (action != null) {
                    action.run();
                } else {
                    HANGUP_WHILE_STARTING.set(true); // applied as soon as the server is up
                }
            });
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                // the JVM keeps a signal ignored at its start ignored (nohup): SIGHUP would do nothing
                org.slf4j.LoggerFactory.getLogger(Sluice.class).warn("SIGHUP is ignored by this process (started under nohup?):"
                        + " kill -HUP will not reload; use `sluice reload -c FILE` (control-socket) or restart without nohup");
            }
        } catch (IllegalArgumentException unsupported) {
            org.slf4j.LoggerFactory.getLogger(Sluice.class).warn("SIGHUP cannot be handled here ({}): kill -HUP will not reload;"
                    + " use `sluice reload -c FILE` (control-socket)", unsupported.getMessage());
        }
    }

    /** `sluice ctl -c FILE COMMAND...`: finds the admin listener and token in FILE. */
    private static int ctl(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 4 || !(args[1].equals("-c") || args[1].equals("--config"))) {
            err.println("sluice ctl: expected -c FILE and a command (pools, drain, enable, disable, standby, weight, add, remove)");
            return USAGE;
        }
        Path file = Path.of(args[2]);
        try {
            SluiceConfig config = ConfigLoader.load(file);
            return new io.sluice.admin.AdminClient(config.admin(), file).run(java.util.Arrays.copyOfRange(args, 3, args.length), out, err);
        } catch (ConfigException e) {
            printProblems(e, file, err);
            return INVALID_CONFIG;
        } catch (java.io.IOException | IllegalArgumentException e) {
            err.println("sluice ctl: " + e.getMessage());
            return USAGE;
        }
    }

    /** Reads a password (from the console without echo, else one line of stdin) and prints its hash. */
    private static int passwd(PrintStream out, PrintStream err) {
        char[] password;
        java.io.Console console = System.console();
        if (console != null) {
            password = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (password == null || again == null || !java.util.Arrays.equals(password, again)) {
                err.println("sluice passwd: the two passwords differ");
                return USAGE;
            }
        } else {
            try {
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8)).readLine();
                password = line == null ? new char[0] : line.toCharArray();
            } catch (java.io.IOException e) {
                err.println("sluice passwd: " + e.getMessage());
                return USAGE;
            }
        }
        if (password.length < 8) {
            err.println("sluice passwd: use at least 8 characters");
            return USAGE;
        }
        out.println(io.sluice.auth.PasswordHash.hash(password));
        return OK;
    }

    /** Asks the running Sluice, over its control socket, to apply FILE; prints its answer. */
    private static int reload(Path file, PrintStream out, PrintStream err) {
        SluiceConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            printProblems(e, file, err);
            err.println("sluice reload: not sent; the running configuration stays");
            return INVALID_CONFIG;
        }
        if (config.controlSocket() == null) {
            err.println("sluice reload: " + file + " sets no control-socket; set one, or send SIGHUP to the process");
            return USAGE;
        }
        String answer;
        try {
            answer = ControlSocket.send(config.controlSocket(), "reload");
        } catch (java.io.IOException e) {
            err.println("sluice reload: no Sluice answers on " + config.controlSocket() + " (" + e.getMessage() + ")");
            return START_FAILED;
        }
        if (answer.startsWith("ok\n")) {
            out.print(answer.substring(3));
            return OK;
        }
        err.print(answer.startsWith("refused\n") ? answer.substring(8) : answer);
        err.println("sluice reload: refused; the running configuration stays");
        return INVALID_CONFIG;
    }

    private static int run(Path file, PrintStream err) {
        SluiceConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            printProblems(e, file, err);
            return INVALID_CONFIG;
        }
        return serveUntilStopped(config, err, null, null);
    }

    /** Starts the server and blocks until the JVM is asked to stop (SIGTERM, SIGINT). */
    public static int serveUntilStopped(SluiceConfig config, PrintStream err, Runnable afterStart, Runnable afterStop) {
        SluiceServer server;
        try {
            server = SluiceServer.start(config);
        } catch (StartupException e) {
            err.println("sluice: " + e.getMessage());
            return START_FAILED;
        } catch (RuntimeException e) {
            err.println("sluice: could not start: " + e);
            return START_FAILED;
        }
        Reloader reloader = new Reloader(server, config.source());
        ExecutorService reloads = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-reload");
            thread.setDaemon(true);
            return thread;
        });
        HANGUP.set(() -> reloads.submit(() -> {
            org.slf4j.LoggerFactory.getLogger(Sluice.class).info("SIGHUP: reloading {}", config.source());
            reloader.reload();
        }));
        if (HANGUP_WHILE_STARTING.getAndSet(false)) {
            HANGUP.get().run();
        }
        ControlSocket control = null;
        if (config.controlSocket() != null) {
            try {
                control = ControlSocket.open(config.controlSocket(), () -> {
                    try {
                        return reloads.submit(reloader::reload).get();
                    } catch (Exception e) {
                        return new ReloadOutcome(false, "reload failed: " + e);
                    }
                });
            } catch (java.io.IOException e) {
                org.slf4j.LoggerFactory.getLogger(Sluice.class).warn("control socket {} not available: {}; sluice reload will not work, "
                        + "SIGHUP still reloads", config.controlSocket(), e.getMessage());
            }
        }
        ControlSocket controlSocket = control;
        // Every listener is bound by now (start() fails otherwise): systemctl start may return.
        SystemdNotify.ready("serving " + config.listeners().size() + " listener(s)");
        if (afterStart != null) {
            afterStart.run();
        }
        // SIGTERM (systemctl stop) and SIGINT (Ctrl-C) stop gracefully and exit 0; a
        // shutdown hook covers any other way the JVM is asked to exit.
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stopRequested.countDown());
            } catch (IllegalArgumentException unsupported) {
                // not on this platform: the shutdown hook still stops the server
            }
        }
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                SystemdNotify.stopping();
                HANGUP.set(null);
                if (controlSocket != null) {
                    controlSocket.close();
                }
                server.close();
                if (afterStop != null) {
                    afterStop.run();
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "sluice-shutdown"));
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.run();
        return OK;
    }
}
