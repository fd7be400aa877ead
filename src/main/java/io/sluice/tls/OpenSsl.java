package io.sluice.tls;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.wildfly.openssl.OpenSSLProvider;
import org.wildfly.openssl.SSL;

/**
 * Loads OpenSSL through wildfly-openssl once per JVM, the way a packaged appliance needs it.
 *
 * <p>wildfly-openssl's own discovery does not suit us (see docs notes, undertow.md section 7):
 * <ul>
 *   <li>it searches libssl on java.library.path only, which misses Debian's multiarch directory on a
 *       non-Debian or jlinked JDK, and it prefers 1.1 over 3 when both exist, so we point it at the
 *       exact files unless the operator already did;</li>
 *   <li>without a libwfssl path it extracts the library to java.io.tmpdir (leaking a directory per
 *       start and failing on a noexec /tmp), so we only ever use the copy shipped with Sluice;</li>
 *   <li>it logs through java.util.logging, so we bridge JUL to SLF4J/logback.</li>
 * </ul>
 * The provider is added with {@code register()}, never {@code registerFirst()}: the latter would make
 * every {@code SSLContext.getInstance("TLS")} in the JVM OpenSSL-backed, backend client included.
 */
public final class OpenSsl {

    private static final Logger LOG = LoggerFactory.getLogger(OpenSsl.class);

    static final String PATH = SSL.ORG_WILDFLY_OPENSSL_PATH;
    static final String PATH_SSL = SSL.ORG_WILDFLY_OPENSSL_PATH_LIBSSL;
    static final String PATH_CRYPTO = SSL.ORG_WILDFLY_OPENSSL_PATH_LIBCRYPTO;
    static final String PATH_LIBWFSSL = SSL.ORG_WILDFLY_LIBWFSSL_PATH;

    /** Debian/Ubuntu multiarch first, then RHEL-style lib64. */
    private static final List<String> LIBRARY_DIRECTORIES = List.of(
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64");
    /** OpenSSL 3 first: 1.1.1 is out of support, but wildfly-openssl's own search would prefer it. */
    private static final List<String> SONAME_VERSIONS = List.of("3", "1.1");

    private OpenSsl() {
    }

    /** Loads OpenSSL on first call (thread-safe, once per JVM); never throws. */
    public static OpenSslStatus status() {
        return Holder.STATUS;
    }

    /** Class initialisation gives us "exactly once, thread-safe" for free. */
    private static final class Holder {
        static final OpenSslStatus STATUS = load();
    }

    private static OpenSslStatus load() {
        try {
            bridgeJulToSlf4j();
            String libwfssl = System.getProperty(PATH_LIBWFSSL, "");
            if (!libwfssl.isEmpty()) {
                if (!Files.isRegularFile(Path.of(libwfssl))) {
                    return unavailable("-D" + PATH_LIBWFSSL + "=" + libwfssl + " does not exist; install Sluice's native"
                            + " directory there or correct the property.");
                }
            } else {
                List<Path> candidates = libwfsslCandidates();
                Path found = candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
                if (found == null) {
                    return unavailable("the shipped " + System.mapLibraryName("wfssl") + " was not found (looked at "
                            + candidates + "); Sluice does not let wildfly-openssl extract it to the temporary directory,"
                            + " so install the package's native directory or set -D" + PATH_LIBWFSSL + ".");
                }
                libwfssl = found.toAbsolutePath().normalize().toString();
                System.setProperty(PATH_LIBWFSSL, libwfssl);
            }
            String libraries = pinLibssl();

            SSL ssl = SSL.getInstance(); // loads libwfssl, dlopens libssl/libcrypto; throws if any is missing
            String version = version(ssl);
            OpenSSLProvider.register();
            String detail = libraries + ", libwfssl " + libwfssl;
            LOG.debug("OpenSSL available: {} ({})", version, detail);
            return new OpenSslStatus(true, version, detail);
        } catch (Throwable t) { // UnsatisfiedLinkError and wildfly-openssl's RuntimeExceptions alike
            LOG.debug("OpenSSL is not available", t);
            return unavailable("loading it failed: " + describe(t));
        }
    }

    /**
     * Sets libssl/libcrypto to the first pair found in the usual distro directories, unless the
     * operator chose them (any of the three wildfly-openssl properties set). Returns the detail text.
     */
    private static String pinLibssl() {
        if (System.getProperty(PATH_SSL) != null || System.getProperty(PATH_CRYPTO) != null) {
            return "libssl " + System.getProperty(PATH_SSL, "(searched)") + ", libcrypto "
                    + System.getProperty(PATH_CRYPTO, "(searched)") + " (set by the operator)";
        }
        if (System.getProperty(PATH) != null) {
            return "libssl/libcrypto from -D" + PATH + "=" + System.getProperty(PATH) + " (set by the operator)";
        }
        for (String version : SONAME_VERSIONS) {
            for (String directory : LIBRARY_DIRECTORIES) {
                Path ssl = Path.of(directory, "libssl.so." + version);
                Path crypto = Path.of(directory, "libcrypto.so." + version);
                if (Files.isRegularFile(ssl) && Files.isRegularFile(crypto)) {
                    System.setProperty(PATH_SSL, ssl.toString());
                    System.setProperty(PATH_CRYPTO, crypto.toString());
                    return "libssl " + ssl + ", libcrypto " + crypto;
                }
            }
        }
        return "libssl/libcrypto as found by wildfly-openssl on java.library.path (none in " + LIBRARY_DIRECTORIES + ")";
    }

    /** ${sluice.home}/native/ (package layout), then native/ next to or above our jar or classes directory. */
    static List<Path> libwfsslCandidates() {
        String file = System.mapLibraryName("wfssl");
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty("sluice.home");
        if (home != null && !home.isEmpty()) {
            candidates.add(Path.of(home, "native", file));
        }
        Path codeDirectory = codeDirectory();
        if (codeDirectory != null) {
            String platform = "native/" + platform() + "/" + file;
            candidates.add(codeDirectory.resolve(platform));
            candidates.add(codeDirectory.resolve("..").resolve(platform).normalize());
        }
        return candidates;
    }

    /** The directory holding the jar (or classes directory) that io.sluice was loaded from. */
    private static Path codeDirectory() {
        try {
            CodeSource source = OpenSsl.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return null;
            }
            Path location = Path.of(source.getLocation().toURI()).toAbsolutePath();
            return location.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** wildfly-openssl-natives' directory names: linux-x86_64, linux-aarch64. */
    private static String platform() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return (os.contains("mac") ? "macosx" : os.contains("win") ? "windows" : "linux") + "-"
                + (arch.equals("amd64") ? "x86_64" : arch);
    }

    /** SSL.version() is protected; it returns OpenSSL_version(OPENSSL_VERSION), e.g. "OpenSSL 3.0.17 1 Jul 2025". */
    private static String version(SSL ssl) {
        try {
            Method version = SSL.class.getDeclaredMethod("version");
            version.setAccessible(true);
            return (String) version.invoke(ssl);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Cannot read the OpenSSL version", e);
            return "OpenSSL (version unknown)";
        }
    }

    /**
     * wildfly-openssl logs through java.util.logging. The JUL console handler is removed so its
     * records are not printed twice (once by JUL to stderr, once by logback).
     */
    private static void bridgeJulToSlf4j() {
        try {
            synchronized (SLF4JBridgeHandler.class) {
                if (!SLF4JBridgeHandler.isInstalled()) {
                    SLF4JBridgeHandler.removeHandlersForRootLogger();
                    SLF4JBridgeHandler.install();
                }
            }
        } catch (LinkageError e) {
            LOG.debug("jul-to-slf4j is missing; wildfly-openssl logs stay in java.util.logging", e);
        }
    }

    private static String describe(Throwable t) {
        StringBuilder text = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvocationTargetException) {
                continue;
            }
            if (text.length() > 0) {
                text.append(": ");
            }
            text.append(c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName());
            if (c.getCause() == c) {
                break;
            }
        }
        return text.toString();
    }

    /** The detail is embedded in longer messages, so it is always one sentence ending with a period. */
    private static OpenSslStatus unavailable(String why) {
        return new OpenSslStatus(false, null, "OpenSSL is not available: " + why + (why.endsWith(".") ? "" : "."));
    }
}
