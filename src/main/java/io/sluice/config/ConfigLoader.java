package io.sluice.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import io.sluice.clientcert.CertificateEncoding;
import io.sluice.clientcert.ClientCertificateHeader;
import io.sluice.syntax.LineSafety;
import io.sluice.path.PrefixRewrite;
import io.sluice.path.SafePath;
import io.sluice.tls.ClientAuthMode;
import io.sluice.tls.ClientTrust;
import io.sluice.tls.KeyMaterial;
import io.sluice.tls.ServerTlsFactory;
import io.sluice.tls.ServerTlsSettings;
import io.sluice.tls.TlsEngine;
import io.sluice.tls.TlsMaterialException;
import io.sluice.tls.TrustMaterial;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a HOCON file over reference.conf into a validated {@link SluiceConfig}.
 * Every mistake is collected with its file:line and a hint, and reported together in a
 * {@link ConfigException}: a user's mistake never surfaces as a stack trace.
 */
public final class ConfigLoader {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    private static final Pattern MEMBER_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    /** Above this, a connection limit is no limit: the process would run out of memory or file descriptors first. */
    private static final int MAX_CONNECTIONS = 1_000_000;

    /** Header names a client-certificate header must not take: Sluice or the proxy sets or frames these. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection", "upgrade",
            "te", "trailer", "keep-alive", "cookie", "authorization", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "x-forwarded-port", "x-forwarded-server", "forwarded");

    private final Problems problems = new Problems();
    private final Path baseDirectory;
    private ConfigObject certificateDefaults;
    /** Each pool's client-certificate-header (null: none), which its routes inherit. */
    private final Map<String, ClientCertificateHeader> poolCertificateHeaders = new HashMap<>();

    private ConfigLoader(Path baseDirectory) {
        this.baseDirectory = baseDirectory;
    }

    /** Loads and validates a configuration file (includes resolve relative to it). */
    public static SluiceConfig load(Path file) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new ConfigException(List.of(new Problem(absolute.toString(), "",
                    Files.exists(absolute) ? "cannot read the configuration file" : "no such configuration file",
                    "pass the path of a HOCON file, e.g. sluice check -c /etc/sluice/sluice.conf")));
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(absolute.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(List.of(fromTypesafe(e, absolute)));
        }
        return new ConfigLoader(absolute.getParent()).read(parsed, absolute);
    }

    /** Validates an already parsed configuration (the demo's bundled file); paths resolve against baseDirectory. */
    public static SluiceConfig load(Config parsed, Path source, Path baseDirectory) throws ConfigException {
        return new ConfigLoader(baseDirectory).read(parsed, source);
    }

    private static Problem fromTypesafe(com.typesafe.config.ConfigException e, Path file) {
        String message = e.getMessage();
        String location = e.origin() != null ? Problem.locate(e.origin()) : file.toString();
        // typesafe prefixes its own "file: line: " origin; keep only the explanation
        int cut = message.indexOf(": ", message.indexOf(": ") + 1);
        if (e.origin() != null && message.startsWith(e.origin().description()) && cut > 0) {
            message = message.substring(cut + 2);
        }
        return new Problem(location, "", message, "HOCON syntax: https://github.com/lightbend/config/blob/main/HOCON.md");
    }

    private SluiceConfig read(Config parsed, Path source) throws ConfigException {
        Config reference = ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader());
        Config site;
        try {
            site = parsed.resolveWith(parsed.withFallback(reference));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(List.of(fromTypesafe(e, source)));
        }
        for (Map.Entry<String, ConfigValue> top : site.root().entrySet()) {
            if (!top.getKey().equals("sluice")) {
                problems.add(top.getValue().origin(), top.getKey(), "unknown top-level key \"" + top.getKey() + "\"",
                        "every setting lives inside sluice { ... }");
            }
        }
        ConfigValue sluiceValue = site.root().get("sluice");
        ConfigObject siteSluice = sluiceValue instanceof ConfigObject object ? object : ConfigFactory.empty().root();
        if (sluiceValue != null && !(sluiceValue instanceof ConfigObject)) {
            problems.add(sluiceValue.origin(), "sluice", "expected an object sluice { ... }", null);
        }
        Section root = Section.open(siteSluice, reference.getObject("sluice"), "sluice", problems);
        for (String defaultsKey : List.of("listener-defaults", "certificate-defaults", "route-defaults", "pool-defaults", "member-defaults")) {
            root.section(defaultsKey); // reports unknown keys in the site's overrides of element defaults
        }

        certificateDefaults = root.defaultsOf("certificate-defaults");
        List<ListenerConfig> listeners = readListeners(root);
        Map<String, PoolConfig> pools = readPools(root);
        Section rateLimitSection = root.section("rate-limit");
        int rateLimitClients = rateLimitSection.integer("clients", 1024, 16_777_216);
        RateLimitConfig rateLimit = new RateLimitConfig(rate(rateLimitSection, "per-client"), 0,
                rateLimitSection.integer("burst", 0, 1_000_000), rateLimitClients);
        List<RouteConfig> routes = readRoutes(root, pools, rateLimitClients);
        Set<String> denyMethods = methods(root, "deny-methods");
        List<Cidr> trustedProxies = new ArrayList<>();
        for (String text : root.strings("trusted-proxies")) {
            Cidr cidr = Cidr.parse(text);
            if (cidr == null) {
                root.error("trusted-proxies", "\"" + text + "\" is not an address or CIDR block", "write e.g. 10.0.0.0/8, 192.168.1.10 or fd00::/8");
            } else {
                trustedProxies.add(cidr);
            }
        }
        Section headers = root.section("headers");
        String requestId = headers.string("request-id");
        if (!requestId.isEmpty() && !TOKEN.matcher(requestId).matches()) {
            headers.error("request-id", "\"" + requestId + "\" is not a valid header name", null);
        }
        HeadersConfig headersConfig = new HeadersConfig(headers.bool("preserve-host"), requestId);
        Section limits = root.section("limits");
        LimitsConfig limitsConfig = readLimits(limits);
        Section accessLog = root.section("access-log");
        String accessFile = accessLog.string("file");
        Path accessPath = accessFile.isEmpty() ? null : resolve(accessFile);
        if (accessPath != null && !(Files.isWritable(accessPath)
                || (!Files.exists(accessPath) && accessPath.getParent() != null && Files.isWritable(accessPath.getParent())))) {
            accessLog.error("file", "cannot write the access log " + accessPath, "create its directory and let the sluice user write there");
        }
        AccessLogConfig accessLogConfig = new AccessLogConfig(accessLog.bool("enabled"), accessPath);
        int ioThreads = root.integer("io-threads", 0, 1024);
        Duration drainTimeout = positive(root.section("shutdown"), "drain-timeout");
        String socket = root.string("control-socket");
        Path controlSocket = socket.isEmpty() ? null : resolve(socket);
        if (controlSocket != null && (controlSocket.getParent() == null || !Files.isDirectory(controlSocket.getParent()))) {
            root.error("control-socket", "the directory of " + controlSocket + " does not exist", "create it (the packages use /run/sluice)");
        }

        AdminConfig admin = readAdmin(root.section("admin"), listeners);
        ClusterConfig cluster = readCluster(root.section("cluster"), listeners, admin);
        boolean proxies = listeners.stream().anyMatch(listener -> listener.redirectTo() == null);
        if (proxies && routes.isEmpty() && !root.isSet("routes") && problems.isEmpty()) {
            root.error("routes", "no routes are configured, so every request would get 404",
                    "add routes = [ { prefix = \"/\", pool = <pool> } ]");
        }
        problems.throwIfAny();
        return new SluiceConfig(source, listeners, routes, pools, denyMethods, trustedProxies, headersConfig, limitsConfig,
                accessLogConfig, ioThreads, drainTimeout, controlSocket, admin, rateLimit, cluster);
    }

    private static LimitsConfig readLimits(Section limits) {
        int maxConnections = limits.integer("max-connections", 1, MAX_CONNECTIONS);
        int perClient = limits.integer("max-connections-per-client", 0, MAX_CONNECTIONS);
        if (perClient > maxConnections) {
            limits.error("max-connections-per-client", "the per-client cap (" + perClient + ") is above max-connections ("
                    + maxConnections + "), so it could never apply", "lower it, or 0 for no per-client cap");
        }
        return new LimitsConfig(limits.bytes("max-header-size"), positive(limits, "request-parse-timeout"),
                positive(limits, "idle-timeout"), limits.bytesOrUnlimited("max-body-size"), maxConnections, perClient,
                positive(limits, "tls-handshake-timeout"), positive(limits, "body-idle-timeout"), positive(limits, "write-timeout"),
                limits.integer("http2-max-concurrent-streams", 1, 10_000), limits.integer("max-tls-handshakes", 1, MAX_CONNECTIONS));
    }

    // ---------------------------------------------------------------- listeners

    private List<ListenerConfig> readListeners(Section root) {
        List<Section> sections = root.sections("listeners", root.defaultsOf("listener-defaults"));
        if (sections.isEmpty() && !root.isSet("listeners")) {
            root.error("listeners", "no listeners are configured", "add listeners = [ { name = http, bind = \"0.0.0.0:80\" } ]");
        }
        List<ListenerConfig> listeners = new ArrayList<>();
        Map<String, Section> byName = new HashMap<>();
        Map<BindAddress, Section> binds = new LinkedHashMap<>();
        for (Section section : sections) {
            String name = section.string("name");
            if (name.isEmpty()) {
                section.error("name", "a listener needs a name", "e.g. name = https");
            } else if (byName.containsKey(name)) {
                section.error("name", "duplicate listener name \"" + name + "\"", "first defined at " + Problem.locate(byName.get(name).origin()));
            } else {
                byName.put(name, section);
            }
            String bindText = section.string("bind");
            BindAddress bind = BindAddress.parse(bindText);
            if (bind == null) {
                section.error("bind", bindText.isEmpty() ? "a listener needs a bind address" : "\"" + bindText + "\" is not host:port",
                        "write e.g. bind = \"0.0.0.0:443\", \"127.0.0.1:8080\" or \"[::]:443\"");
            } else {
                for (Map.Entry<BindAddress, Section> other : binds.entrySet()) {
                    if (bind.overlaps(other.getKey())) {
                        section.error("bind", "bind " + bind + " collides with " + other.getKey() + " of listener at "
                                + Problem.locate(other.getValue().origin()), "give each listener its own port");
                    }
                }
                binds.put(bind, section);
            }
            String redirectTo = section.string("redirect-to");
            TlsConfig tls = section.isSet("tls") ? readTls(section.section("tls"), name) : null;
            boolean h2c = section.bool("h2c");
            if (h2c && tls != null) {
                section.error("h2c", "h2c is HTTP/2 over cleartext, for plain http listeners",
                        "an https listener speaks HTTP/2 through ALPN: http2 = on");
            }
            listeners.add(new ListenerConfig(name, bind, section.bool("http2"), redirectTo.isEmpty() ? null : redirectTo, tls,
                    h2c, section.integer("max-connections", 1, MAX_CONNECTIONS), serverNames(section)));
        }
        for (int i = 0; i < listeners.size(); i++) {
            ListenerConfig listener = listeners.get(i);
            if (listener.redirectTo() == null) {
                continue;
            }
            Section section = sections.get(i);
            Section target = byName.get(listener.redirectTo());
            ListenerConfig targetListener = listeners.stream().filter(l -> l.name().equals(listener.redirectTo())).findFirst().orElse(null);
            if (target == null || targetListener == null) {
                section.error("redirect-to", "no listener is named \"" + listener.redirectTo() + "\"", DidYouMean.hint(listener.redirectTo(), byName.keySet()));
            } else if (!targetListener.isHttps()) {
                section.error("redirect-to", "listener \"" + listener.redirectTo() + "\" is not https", "redirect to a listener with a tls block");
            } else if (targetListener == listener) {
                section.error("redirect-to", "a listener cannot redirect to itself", null);
            }
        }
        return listeners;
    }

    private static List<String> serverNames(Section listener) {
        List<String> names = new ArrayList<>();
        for (String name : listener.strings("server-names")) {
            String problem = io.sluice.syntax.ServerNames.problem(name);
            if (problem != null) {
                listener.error("server-names", "\"" + name + "\": " + problem,
                        "write host names as sso.example.com or *.example.com, IP addresses as 10.0.0.5 or [fd00::5]");
            } else if (!names.contains(io.sluice.syntax.ServerNames.normalise(name))) {
                names.add(io.sluice.syntax.ServerNames.normalise(name));
            }
        }
        return List.copyOf(names);
    }

    private TlsConfig readTls(Section tls, String listenerName) {
        String engineText = tls.string("engine").toLowerCase(Locale.ROOT);
        TlsEngine engine;
        switch (engineText) {
            case "auto" -> engine = TlsEngine.AUTO;
            case "openssl" -> engine = TlsEngine.OPENSSL;
            case "jdk" -> engine = TlsEngine.JDK;
            default -> {
                tls.error("engine", "unknown TLS engine \"" + engineText + "\"", "use openssl, jdk or auto; " + DidYouMean.hint(engineText, List.of("openssl", "jdk", "auto")));
                engine = TlsEngine.AUTO;
            }
        }
        List<CertificateSource> sources = new ArrayList<>();
        CertificateSource single = certificateSource(tls, "the tls block");
        if (single != null) {
            sources.add(single);
        }
        for (Section element : tls.sections("certificates", certificateDefaults)) {
            CertificateSource source = certificateSource(element, "a certificates entry");
            if (source == null) {
                element.error(null, "a certificates entry needs certificate + key, or pkcs12", null);
            } else {
                sources.add(source);
            }
        }
        List<String> selfSigned = tls.strings("self-signed");
        if (!selfSigned.isEmpty()) {
            sources.add(new CertificateSource.SelfSigned(selfSigned));
        }
        if (sources.isEmpty()) {
            tls.error(null, "an https listener needs a certificate",
                    "set certificate + key (PEM), pkcs12 + password, certificates = [ ... ] for SNI, or self-signed = [localhost]");
        }
        List<String> protocols = tls.strings("protocols");
        for (String protocol : protocols) {
            if (!TLS_PROTOCOLS.contains(protocol)) {
                tls.error("protocols", "protocol \"" + protocol + "\" is not allowed", "Sluice speaks TLSv1.3 and TLSv1.2 only; older versions are broken");
            }
        }
        if (protocols.isEmpty()) {
            tls.error("protocols", "at least one protocol is needed", "protocols = [TLSv1.3, TLSv1.2]");
        }
        List<String> ciphers = tls.strings("cipher-suites");
        if (ciphers.isEmpty()) {
            tls.error("cipher-suites", "at least one cipher suite is needed", null);
        }
        TlsConfig config = new TlsConfig(engine, sources, protocols, ciphers, readClientAuth(tls, listenerName));
        checkTlsLoads(tls, listenerName, config);
        return config;
    }

    /** tls.client-auth, client-ca, client-crl; the files are read here so that check finds what run would. */
    private ClientAuthConfig readClientAuth(Section tls, String listenerName) {
        ClientAuthMode mode = choice(tls, "client-auth", ClientAuthMode.class, ClientAuthMode.NONE);
        String caText = tls.string("client-ca");
        String crlText = tls.string("client-crl");
        if (mode == ClientAuthMode.NONE) {
            if (!caText.isEmpty() || !crlText.isEmpty()) {
                tls.error(caText.isEmpty() ? "client-crl" : "client-ca", "set, but client-auth = none, so no client certificate is asked for",
                        "client-auth = required (or optional), or remove it");
            }
            return ClientAuthConfig.NONE;
        }
        if (listenerName.equals("admin")) {
            tls.error("client-auth", "client certificates are not supported on the admin listener",
                    "authenticate with admin.users or admin.token-file; leave client-auth = none here");
            return ClientAuthConfig.NONE;
        }
        if (caText.isEmpty()) {
            tls.error("client-ca", "client-auth = " + mode.name().toLowerCase(Locale.ROOT) + " needs the CAs that issue client certificates",
                    "client-ca = <PEM bundle of those CA certificates>");
            return ClientAuthConfig.NONE;
        }
        Path ca = resolve(caText);
        Path crl = crlText.isEmpty() ? null : resolve(crlText);
        List<X509Certificate> cas;
        try {
            cas = ClientTrust.caCertificates(ca);
        } catch (TlsMaterialException e) {
            tls.error("client-ca", e.getMessage(), null);
            return ClientAuthConfig.NONE;
        }
        List<X509CRL> crls = List.of();
        if (crl != null) {
            try {
                crls = ClientTrust.crls(crl, cas);
            } catch (TlsMaterialException e) {
                tls.error("client-crl", e.getMessage(), null);
            }
        }
        return new ClientAuthConfig(mode, ca, crl, cas, crls);
    }

    private CertificateSource certificateSource(Section section, String where) {
        String certificate = section.string("certificate");
        String key = section.string("key");
        String pkcs12 = section.string("pkcs12");
        if (!pkcs12.isEmpty()) {
            if (!certificate.isEmpty() || !key.isEmpty()) {
                section.error("pkcs12", where + " sets both pkcs12 and certificate/key", "use one or the other");
                return null;
            }
            return new CertificateSource.Pkcs12File(resolve(pkcs12), section.string("password"));
        }
        if (certificate.isEmpty() && key.isEmpty()) {
            return null;
        }
        if (certificate.isEmpty()) {
            section.error("certificate", "key is set but certificate is not", "certificate = <PEM chain file>");
            return null;
        }
        if (key.isEmpty()) {
            section.error("key", "certificate is set but key is not", "key = <PKCS#8 PEM key file>");
            return null;
        }
        return new CertificateSource.PemFiles(resolve(certificate), resolve(key));
    }

    /** Loads every certificate and builds the TLS context once, so check finds what run would. */
    private void checkTlsLoads(Section tls, String listenerName, TlsConfig config) {
        List<KeyMaterial> materials = new ArrayList<>();
        for (CertificateSource source : config.certificates()) {
            try {
                materials.add(source.load());
            } catch (TlsMaterialException e) {
                // name the file that failed: the key when the certificate itself is readable and the key is not
                String key = source instanceof CertificateSource.Pkcs12File ? "pkcs12"
                        : source instanceof CertificateSource.PemFiles pem && Files.isReadable(pem.certificate())
                                && !Files.isReadable(pem.key()) ? "key" : "certificate";
                tls.error(tls.isSet(key) ? key : "certificates", e.getMessage(), null);
            }
        }
        if (materials.size() != config.certificates().size() || config.protocols().isEmpty() || config.cipherSuites().isEmpty()) {
            return;
        }
        try {
            ServerTlsFactory.create(listenerName, new ServerTlsSettings(config.engine(), config.protocols(), config.cipherSuites(),
                    List.of("h2", "http/1.1"), config.clientAuth().trust()), materials);
        } catch (TlsMaterialException e) {
            tls.error("engine", e.getMessage(), null);
        }
    }

    // ---------------------------------------------------------------- pools

    private Map<String, PoolConfig> readPools(Section root) {
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        ConfigObject memberDefaults = root.defaultsOf("member-defaults");
        ConfigObject poolDefaults = root.defaultsOf("pool-defaults");
        ConfigObject profiles = root.defaultsOf("pool-profiles");
        for (Map.Entry<String, ConfigValue> profile : profiles.entrySet()) {
            // a site's own profiles are checked like pools: every key must be a pool key
            if (profile.getValue() instanceof ConfigObject object) {
                Section.open(object, poolDefaults, "sluice.pool-profiles." + profile.getKey(), root.problems());
            } else {
                root.problems().add(profile.getValue().origin(), "sluice.pool-profiles." + profile.getKey(),
                        "a profile is an object of pool settings", null);
            }
        }
        Map<String, Section> sections = root.namedSections("pools", (name, written) -> {
            ConfigValue chosen = written.get("profile");
            String profileName = chosen == null ? "" : String.valueOf(chosen.unwrapped()).trim();
            return profiles.get(profileName) instanceof ConfigObject profile ? profile.withFallback(poolDefaults) : poolDefaults;
        });
        for (Map.Entry<String, Section> entry : sections.entrySet()) {
            Section pool = entry.getValue();
            String profile = pool.string("profile");
            if (!profile.isEmpty() && !(profiles.get(profile) instanceof ConfigObject)) {
                pool.error("profile", "no profile is named \"" + profile + "\"",
                        DidYouMean.hint(profile, new java.util.TreeSet<>(profiles.keySet())));
            }
            pools.put(entry.getKey(), readPool(entry.getKey(), pool, memberDefaults));
            poolCertificateHeaders.put(entry.getKey(), clientCertificateHeader(pool.section("client-certificate-header")));
        }
        return pools;
    }

    private PoolConfig readPool(String name, Section pool, ConfigObject memberDefaults) {
        List<MemberConfig> members = new ArrayList<>();
        Map<String, Section> routes = new HashMap<>();
        Map<String, Section> names = new HashMap<>();
        Map<URI, Section> urls = new HashMap<>();
        List<Section> memberSections = pool.sections("members", memberDefaults);
        if (memberSections.isEmpty()) {
            pool.error("members", "pool \"" + name + "\" has no members", "members = [ { url = \"http://10.0.0.11:9763\", route = node1 } ]");
        }
        for (Section member : memberSections) {
            URI url = backendUrl(member, "url", true);
            String route = member.string("route");
            if (!route.isEmpty() && !TOKEN.matcher(route).matches()) {
                member.error("route", "\"" + route + "\" is not a valid jvmRoute", "letters, digits and -_. only");
            } else if (!route.isEmpty() && routes.containsKey(route)) {
                member.error("route", "two members of pool \"" + name + "\" share route \"" + route + "\"",
                        "first at " + Problem.locate(routes.get(route).origin()) + "; each node needs its own jvmRoute");
            } else if (!route.isEmpty()) {
                routes.put(route, member);
            }
            if (url != null && urls.containsKey(url)) {
                member.error("url", "member " + url + " is listed twice in pool \"" + name + "\"", "first at " + Problem.locate(urls.get(url).origin()));
            } else if (url != null) {
                urls.put(url, member);
            }
            int weight = member.integer("weight", 0, 100);
            if (weight == 0) {
                member.error("weight", "weight 0 is not supported", "to take a member out of rotation set state = draining or disabled; "
                        + "weights run from 1 to 100");
            }
            MemberState state = choice(member, "state", MemberState.class, MemberState.ACTIVE);
            String memberName = member.string("name");
            if (memberName.isEmpty()) {
                memberName = !route.isEmpty() ? route : url != null ? url.getHost() + ":" + url.getPort() : null;
            }
            if (memberName != null && names.containsKey(memberName)) {
                member.error("name", "two members of pool \"" + name + "\" are named \"" + memberName + "\"", "set a distinct name");
            }
            if (memberName != null) {
                names.put(memberName, member);
            }
            if (url != null) {
                members.add(new MemberConfig(memberName, url, route, Math.max(weight, 1), state));
            }
        }

        Section sticky = pool.section("sticky");
        List<StickyConfig.AffinityMode> modes = new ArrayList<>();
        for (String mode : sticky.strings("modes")) {
            StickyConfig.AffinityMode parsed = parseChoice(mode, StickyConfig.AffinityMode.class);
            if (parsed == null) {
                sticky.error("modes", "unknown affinity mode \"" + mode + "\"", "use route, learn or insert; "
                        + DidYouMean.hint(mode, List.of("route", "learn", "insert")));
            } else if (modes.contains(parsed)) {
                sticky.error("modes", "affinity mode \"" + mode + "\" is listed twice", null);
            } else {
                modes.add(parsed);
            }
        }
        List<String> cookies = sticky.strings("cookies");
        for (String cookie : cookies) {
            if (!TOKEN.matcher(cookie).matches()) {
                sticky.error("cookies", "\"" + cookie + "\" is not a valid cookie name", null);
            }
        }
        if ((modes.contains(StickyConfig.AffinityMode.LEARN)) && cookies.isEmpty()) {
            sticky.error("cookies", "the learn mode needs the session cookie's name", "cookies = [JSESSIONID]");
        }
        String separator = sticky.string("separator");
        if (separator.isEmpty() || separator.indexOf(';') >= 0 || separator.indexOf('=') >= 0 || separator.indexOf(',') >= 0) {
            sticky.error("separator", "separator must be non-empty and must not contain ; = or ,", "Tomcat uses \".\", WebLogic \"!\"");
        }
        String pathParameter = sticky.string("path-parameter");
        if (!pathParameter.isEmpty() && !TOKEN.matcher(pathParameter).matches()) {
            sticky.error("path-parameter", "\"" + pathParameter + "\" is not a valid path parameter name", null);
        }
        Section learn = sticky.section("learn");
        StickyConfig.Learn learnConfig = new StickyConfig.Learn(learn.integer("max-entries", 16, 50_000_000), positive(learn, "session-timeout"));
        Section insert = sticky.section("insert");
        String insertCookie = insert.string("cookie");
        if (!TOKEN.matcher(insertCookie).matches()) {
            insert.error("cookie", "\"" + insertCookie + "\" is not a valid cookie name", null);
        } else if (modes.contains(StickyConfig.AffinityMode.INSERT) && cookies.contains(insertCookie)) {
            insert.error("cookie", "the inserted cookie must not be one of the backend's session cookies", "e.g. cookie = SLUICEID");
        }
        String insertPath = insert.string("path");
        if (!insertPath.startsWith("/") || !LineSafety.isSafe(insertPath) || insertPath.indexOf(';') >= 0) {
            insert.error("path", "\"" + insertPath + "\" is not a cookie path", "e.g. path = \"/\"");
        }
        String sameSite = insert.string("same-site");
        if (!List.of("auto", "", "Strict", "Lax", "None").contains(sameSite)) {
            insert.error("same-site", "\"" + sameSite + "\" is not a SameSite value", "auto, Strict, Lax, None, or \"\"");
        }
        StickyConfig.Secure secure = choice(insert, "secure", StickyConfig.Secure.class, StickyConfig.Secure.AUTO);
        if ("None".equals(sameSite) && secure != StickyConfig.Secure.ON) {
            insert.error("same-site", "browsers refuse SameSite=None without Secure (and auto leaves Secure out over http)", "secure = on");
        }
        StickyConfig.Insert insertConfig = new StickyConfig.Insert(insertCookie, insertPath, secure, insert.bool("http-only"), sameSite,
                insert.duration("max-age"), insert.string("secret"));
        Section recent = sticky.section("recent");
        StickyConfig.Recent recentConfig = new StickyConfig.Recent(positive(recent, "window"), recent.integer("max-entries", 16, 10_000_000));
        StickyConfig stickyConfig = new StickyConfig(modes, cookies, pathParameter, separator, sticky.bool("failover"), learnConfig, insertConfig,
                recentConfig);
        HealthConfig health = readHealth(pool.section("health"));
        Section unavailable = pool.section("unavailable");
        String pageFile = unavailable.string("page");
        String page = null;
        if (!pageFile.isEmpty()) {
            try {
                page = Files.readString(resolve(pageFile));
            } catch (java.io.IOException e) {
                unavailable.error("page", "cannot read " + resolve(pageFile) + ": " + e.getMessage(), null);
            }
        }

        List<URI> internalOrigins = new ArrayList<>();
        for (String text : pool.strings("internal-origins")) {
            URI origin = origin(pool, "internal-origins", text);
            if (origin != null) {
                internalOrigins.add(origin);
            }
        }
        Section tls = pool.section("tls");
        boolean verify = tls.bool("verify");
        String bundle = tls.string("ca-bundle");
        Path caBundle = null;
        if (!bundle.isEmpty()) {
            caBundle = resolve(bundle);
            if (!verify) {
                tls.error("ca-bundle", "ca-bundle is set but verify = off", "remove ca-bundle, or verify against it with verify = on");
            } else {
                try {
                    TrustMaterial.fromPemBundle(caBundle);
                } catch (TlsMaterialException e) {
                    tls.error("ca-bundle", e.getMessage(), null);
                }
            }
        }
        int connections = pool.integer("connections-per-thread", 1, 100_000);
        int cached = pool.integer("cached-connections-per-thread", 0, 100_000);
        if (cached > connections) {
            pool.error("cached-connections-per-thread", "cannot exceed connections-per-thread (" + connections + ")", null);
        }
        return new PoolConfig(name, pool.string("profile"), members,
                choice(pool, "method", PoolConfig.BalanceMethod.class, PoolConfig.BalanceMethod.ROUND_ROBIN),
                stickyConfig, health, internalOrigins,
                pool.bool("drop-internal-cookie-domain"), positive(pool, "connect-timeout"), positive(pool, "response-timeout"),
                positive(pool, "websocket-idle-timeout"), connections, cached, positive(pool, "idle-connection-ttl"),
                requestQueue(pool), positive(pool, "queue-timeout"), pool.integer("max-connections", 1, 1_000_000),
                pool.integer("max-pending", 1, 1_000_000),
                new RetryPolicy(pool.integer("retries", 0, RetryPolicy.MAX_RETRIES), retryCauses(pool), positive(pool, "retry-deadline")),
                positive(pool, "problem-retry"),
                pool.integer("eject-after-failures", 1, 1000), pool.bool("eject-on-5xx"), positive(pool, "max-ejection-time"),
                pool.duration("slow-start"), unavailable.duration("retry-after"), page,
                new BackendTlsConfig(verify, caBundle));
    }

    /** A pool's or route's retry-on: the failures after which another member is tried. */
    private static Set<RetryPolicy.Cause> retryCauses(Section section) {
        Set<RetryPolicy.Cause> causes = java.util.EnumSet.noneOf(RetryPolicy.Cause.class);
        for (String text : section.strings("retry-on")) {
            RetryPolicy.Cause cause = RetryPolicy.Cause.of(text);
            if (cause == null) {
                section.error("retry-on", "\"" + text + "\" is not a retry cause",
                        "connect-failure, empty-response, response-timeout, 502, 503 or 504; [] never retries");
            } else {
                causes.add(cause);
            }
        }
        return causes;
    }

    /** A pool's or route's client-certificate-header; null when off. */
    private static ClientCertificateHeader clientCertificateHeader(Section header) {
        String preset = header.string("preset").toLowerCase(Locale.ROOT);
        String name = header.string("name");
        String encodingText = header.string("encoding");
        CertificateEncoding encoding = encodingText.isEmpty() ? null : parseChoice(encodingText, CertificateEncoding.class);
        if (!encodingText.isEmpty() && (encoding == null || encoding == CertificateEncoding.BYTE_SEQUENCE)) {
            header.error("encoding", "unknown encoding \"" + encodingText + "\"", "use url-encoded-pem, pem or base64-der; "
                    + DidYouMean.hint(encodingText, List.of("url-encoded-pem", "pem", "base64-der")));
            return null;
        }
        if (!name.isEmpty() && !TOKEN.matcher(name).matches()) {
            header.error("name", "\"" + name + "\" is not a valid header name", null);
            return null;
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            header.error("name", "\"" + name + "\" is a header Sluice or HTTP itself sets", "choose a header of its own, e.g. SSL-CLIENT-CERT");
            return null;
        }
        switch (preset) {
            case "off" -> {
                if (!name.isEmpty() || encoding != null) {
                    header.error(name.isEmpty() ? "encoding" : "name", "set, but preset = off, so no certificate is forwarded",
                            "preset = wso2, rfc9440 or custom");
                }
                return null;
            }
            case "wso2" -> {
                if (encoding == CertificateEncoding.BASE64_DER) {
                    header.error("encoding", "API Manager reads url-encoded-pem (client_certificate_encode = true, its default) or pem"
                            + " (client_certificate_encode = false), not base64-der", "encoding = url-encoded-pem");
                    return null;
                }
                return ClientCertificateHeader.wso2(name.isEmpty() ? ClientCertificateHeader.WSO2_HEADER : name,
                        encoding == null ? CertificateEncoding.URL_ENCODED_PEM : encoding);
            }
            case "rfc9440" -> {
                if (!name.isEmpty() || encoding != null) {
                    header.error(name.isEmpty() ? "encoding" : "name", "RFC 9440 fixes the names (Client-Cert, Client-Cert-Chain) and"
                            + " the encoding (structured-field byte sequences)", "remove it, or use preset = custom");
                    return null;
                }
                return ClientCertificateHeader.rfc9440();
            }
            case "custom" -> {
                if (name.isEmpty() || encoding == null) {
                    header.error(name.isEmpty() ? "name" : "encoding", "preset = custom needs a header name and an encoding",
                            "e.g. name = SSL-CLIENT-CERT, encoding = url-encoded-pem (or pem, base64-der)");
                    return null;
                }
                return ClientCertificateHeader.custom(name, encoding);
            }
            default -> {
                header.error("preset", "unknown preset \"" + preset + "\"", "use off, wso2, rfc9440 or custom; "
                        + DidYouMean.hint(preset, List.of("off", "wso2", "rfc9440", "custom")));
                return null;
            }
        }
    }

    /** A request rate: "20/s", "300/m", a number (per second), or 0 for no limit. */
    private static double rate(Section section, String key) {
        String text = section.string(key).replace(" ", "");
        double perSecond;
        try {
            if (text.endsWith("/s")) {
                perSecond = Double.parseDouble(text.substring(0, text.length() - 2));
            } else if (text.endsWith("/m")) {
                perSecond = Double.parseDouble(text.substring(0, text.length() - 2)) / 60;
            } else {
                perSecond = Double.parseDouble(text);
            }
        } catch (NumberFormatException e) {
            section.error(key, "\"" + text + "\" is not a request rate", "e.g. \"20/s\" or \"300/m\"; 0 for no limit");
            return 0;
        }
        if (!(perSecond >= 0) || perSecond > RateLimitConfig.MAX_RATE || Double.isInfinite(perSecond)) {
            section.error(key, "rate " + text + " is outside 0.." + (int) RateLimitConfig.MAX_RATE + " per second", null);
            return 0;
        }
        return perSecond;
    }

    private static int requestQueue(Section pool) {
        int queue = pool.integer("request-queue", 0, 1_000_000);
        if (queue == 0) {
            pool.error("request-queue", "must be at least 1", "with 0 every burst above the connection limit gets an instant 503");
        }
        return Math.max(queue, 1);
    }

    private static URI backendUrl(Section section, String key, boolean allowPath) {
        String text = section.string(key);
        if (text.isEmpty()) {
            section.error(key, "a member needs a url", "e.g. url = \"https://10.0.0.11:9443\"");
            return null;
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                section.error(key, "\"" + text + "\" must start with http:// or https://", null);
                return null;
            }
            if (uri.getHost() == null) {
                section.error(key, "\"" + text + "\" has no host", "e.g. http://10.0.0.11:9763");
                return null;
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                section.error(key, "\"" + text + "\" must not carry a query, fragment or user info", null);
                return null;
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            if (!allowPath && !path.isEmpty() && !path.equals("/")) {
                section.error(key, "\"" + text + "\" must be an origin without a path", null);
                return null;
            }
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (!path.isEmpty() && !MEMBER_PATH.matcher(path).matches()) {
                section.error(key, "the context path of \"" + text + "\" may hold letters, digits and - . _ ~ / only", null);
                return null;
            }
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            return URI.create(scheme + "://" + uri.getHost() + ":" + port + path);
        } catch (URISyntaxException e) {
            section.error(key, "\"" + text + "\" is not a valid URL: " + e.getReason(), null);
            return null;
        }
    }

    private static URI origin(Section section, String key, String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null || !(path.isEmpty() || path.equals("/"))) {
                section.error(key, "\"" + text + "\" is not an origin", "write scheme://host:port, e.g. https://localhost:9443");
                return null;
            }
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            return new URI(scheme, null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            section.error(key, "\"" + text + "\" is not a valid URL: " + e.getReason(), null);
            return null;
        }
    }

    // ---------------------------------------------------------------- routes

    private List<RouteConfig> readRoutes(Section root, Map<String, PoolConfig> pools, int clients) {
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Section> names = new HashMap<>();
        Map<String, Section> matches = new HashMap<>();
        List<RouteConfig> inserting = new ArrayList<>();
        Set<String> clashes = new HashSet<>();
        for (Section route : root.sections("routes", root.defaultsOf("route-defaults"))) {
            String prefix = route.string("prefix");
            if (prefix.isEmpty()) {
                route.error("prefix", "a route needs a prefix", "e.g. prefix = \"/\" or prefix = \"/is-\"");
            } else if (!prefix.startsWith("/")) {
                route.error("prefix", "prefix \"" + prefix + "\" must start with /", null);
            }
            String host = route.string("host").toLowerCase(Locale.ROOT);
            String name = route.string("name");
            if (name.isEmpty()) {
                name = host.isEmpty() ? prefix : host + prefix;
            }
            if (names.containsKey(name)) {
                route.error("name", "duplicate route name \"" + name + "\"", "first at " + Problem.locate(names.get(name).origin()));
            }
            names.put(name, route);
            String matchKey = host + " " + prefix;
            if (!prefix.isEmpty() && matches.containsKey(matchKey)) {
                route.error("prefix", "another route already matches prefix \"" + prefix + "\"" + (host.isEmpty() ? "" : " on host " + host),
                        "first at " + Problem.locate(matches.get(matchKey).origin()) + "; the second could never match");
            }
            matches.put(matchKey, route);
            String pool = route.string("pool");
            int status = route.integer("status", 0, 599);
            if (status != 0 && status < 200) {
                route.error("status", "status " + status + " cannot end a request", "use e.g. 403, 404 or 410");
            }
            if (pool.isEmpty() && status == 0) {
                route.error("pool", "route \"" + name + "\" names neither a pool nor a status", "pool = <name>, or status = 404 to answer it directly");
            } else if (!pool.isEmpty() && status != 0) {
                route.error("status", "route \"" + name + "\" sets both pool and status", "a route either proxies or answers a fixed status");
            } else if (!pool.isEmpty() && !pools.containsKey(pool)) {
                route.error("pool", "no pool is named \"" + pool + "\"", pools.isEmpty() ? "define it under pools { }" : DidYouMean.hint(pool, pools.keySet()));
            }
            if (prefix.startsWith("/")) {
                canonical(route, "prefix", prefix);
            }
            String rewrite = route.string("rewrite");
            if (!rewrite.isEmpty() && !rewrite.startsWith("/")) {
                route.error("rewrite", "rewrite \"" + rewrite + "\" must start with /", null);
            } else if (!rewrite.isEmpty() && canonical(route, "rewrite", rewrite) && prefix.startsWith("/")) {
                try {
                    new PrefixRewrite(prefix, rewrite);
                } catch (IllegalArgumentException e) {
                    route.error("rewrite", e.getMessage(), "end both prefix and rewrite with / (a directory mount), or neither");
                }
            }
            if (!rewrite.isEmpty() && status != 0) {
                route.error("rewrite", "a fixed-status route has nothing to rewrite", null);
            }
            PoolConfig target = pools.get(pool);
            int routeRetries = route.isGiven("retries") ? route.integer("retries", 0, RetryPolicy.MAX_RETRIES) : -1;
            Set<RetryPolicy.Cause> routeRetryOn = route.isGiven("retry-on") ? retryCauses(route) : null;
            if ((routeRetries >= 0 || routeRetryOn != null) && status != 0) {
                route.error(route.isGiven("retries") ? "retries" : "retry-on", "a fixed-status route has nothing to retry", null);
            }
            RetryPolicy retry = target == null ? null : target.retry().overriddenBy(routeRetries, routeRetryOn);
            Section routeRate = route.section("rate-limit");
            RateLimitConfig rateLimit = new RateLimitConfig(rate(routeRate, "per-client"), rate(routeRate, "total"),
                    routeRate.integer("burst", 0, 1_000_000), clients);
            ClientCertificateHeader certificateHeader = poolCertificateHeaders.get(pool);
            if (route.isGiven("client-certificate-header")) {
                ConfigObject written = route.written("client-certificate-header");
                if (written == null) {
                    route.error("client-certificate-header", "expected an object { preset = ... }", "e.g. { preset = wso2 }, or { preset = off }");
                } else if (status != 0) {
                    route.error("client-certificate-header", "a fixed-status route sends nothing to a backend", null);
                } else {
                    ConfigObject defaults = (ConfigObject) root.defaultsOf("pool-defaults").get("client-certificate-header");
                    certificateHeader = clientCertificateHeader(Section.open(written, defaults, route.path("client-certificate-header"),
                            root.problems()));
                }
            }
            RouteConfig built = new RouteConfig(name, prefix, host.isEmpty() ? null : host, pool.isEmpty() ? null : pool,
                    rewrite.isEmpty() ? null : rewrite, status, methods(route, "deny-methods"), retry, rateLimit,
                    status != 0 ? null : certificateHeader);
            routes.add(built);
            if (target != null && target.sticky().has(StickyConfig.AffinityMode.INSERT)) {
                insertCookieClash(route, built, target, inserting, pools, clashes);
                inserting.add(built);
            }
        }
        return routes;
    }

    /**
     * Two pools inserting the same affinity cookie for one host (APIM and IS on one public
     * name, both with insert) overwrite each other's cookie in the browser, and each pool
     * then takes the other's member id for a client without affinity: sessions flap
     * between members. Reported once per pair of pools, at the route that brings them
     * together.
     */
    private static void insertCookieClash(Section route, RouteConfig built, PoolConfig target, List<RouteConfig> inserting,
                                          Map<String, PoolConfig> pools, Set<String> clashes) {
        StickyConfig.Insert insert = target.sticky().insert();
        for (RouteConfig earlier : inserting) {
            PoolConfig other = pools.get(earlier.pool());
            StickyConfig.Insert otherInsert = other.sticky().insert();
            boolean sameHost = built.host() == null || earlier.host() == null || built.host().equals(earlier.host());
            boolean overlappingPaths = insert.path().startsWith(otherInsert.path()) || otherInsert.path().startsWith(insert.path());
            if (other != target && sameHost && overlappingPaths && insert.cookie().equals(otherInsert.cookie())
                    && clashes.add(other.name() + " " + target.name())) {
                route.error("pool", "pools \"" + other.name() + "\" and \"" + target.name() + "\" both insert the affinity cookie "
                                + insert.cookie() + (built.host() == null ? "" : " on host " + built.host())
                                + ": the browser keeps only one, and sessions lose their member",
                        "give one its own name, e.g. pools." + target.name() + ".sticky.insert.cookie = "
                                + insert.cookie() + "_" + target.name().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
            }
        }
    }

    // ---------------------------------------------------------------- shared

    private AdminConfig readAdmin(Section admin, List<ListenerConfig> listeners) {
        String bindText = admin.string("bind");
        BindAddress bind = null;
        if (!bindText.isEmpty()) {
            bind = BindAddress.parse(bindText);
            if (bind == null) {
                admin.error("bind", "\"" + bindText + "\" is not host:port", "e.g. bind = \"127.0.0.1:9900\", or \"\" for no admin listener");
            } else {
                for (ListenerConfig listener : listeners) {
                    if (listener.bind() != null && bind.overlaps(listener.bind())) {
                        admin.error("bind", "the admin bind " + bind + " collides with listener " + listener.name() + " (" + listener.bind() + ")",
                                "give the admin its own port");
                    }
                }
            }
        }
        List<AdminConfig.User> users = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Section user : admin.sections("users", ConfigFactory.parseString("name = \"\", password = \"\"").root())) {
            String name = user.string("name");
            String hash = user.string("password");
            if (!TOKEN.matcher(name).matches()) {
                user.error("name", "an admin user needs a name of letters, digits and -_.", null);
            } else if (!names.add(name)) {
                user.error("name", "admin user \"" + name + "\" is listed twice", null);
            }
            if (!io.sluice.auth.PasswordHash.isWellFormed(hash)) {
                user.error("password", "not a password hash", "run `sluice passwd` and paste the line it prints (never the password itself)");
            }
            users.add(new AdminConfig.User(name, hash));
        }
        String tokenText = admin.string("token-file");
        Path tokenFile = tokenText.isEmpty() ? null : resolve(tokenText);
        if (tokenFile != null) {
            try {
                if (Files.readString(tokenFile).trim().length() < 16) {
                    admin.error("token-file", "the token in " + tokenFile + " is shorter than 16 characters", "e.g. openssl rand -hex 32 > " + tokenFile);
                }
            } catch (java.io.IOException e) {
                admin.error("token-file", "cannot read " + tokenFile + ": " + e.getMessage(), null);
            }
        }
        String stateText = admin.string("state-file");
        Path stateFile = stateText.isEmpty() ? null : resolve(stateText);
        if (stateFile != null && (stateFile.getParent() == null || !Files.isDirectory(stateFile.getParent()))) {
            admin.error("state-file", "the directory of " + stateFile + " does not exist", "create it (the packages use /var/lib/sluice)");
        }
        TlsConfig tls = admin.isSet("tls") ? readTls(admin.section("tls"), "admin") : null;
        return new AdminConfig(bind, users, tokenFile, admin.bool("open-read"), stateFile, tls);
    }

    private ClusterConfig readCluster(Section cluster, List<ListenerConfig> listeners, AdminConfig admin) {
        String bindText = cluster.string("bind");
        if (bindText.isEmpty()) {
            for (String key : List.of("peers", "dns", "secret-file")) {
                if (cluster.isGiven(key)) {
                    cluster.error(key, "cluster." + key + " is set but cluster.bind is not, so this instance joins no cluster",
                            "set bind = \"<this host's address>:7800\", or remove the cluster block");
                }
            }
            return ClusterConfig.NONE;
        }
        BindAddress bind = BindAddress.parse(bindText);
        if (bind == null) {
            cluster.error("bind", "\"" + bindText + "\" is not host:port", "e.g. bind = \"10.0.0.5:7800\"");
        } else {
            if (bind.isWildcard()) {
                cluster.error("bind", "the cluster needs this instance's own address, not " + bind.host(),
                        "give the address the other instances reach it at, e.g. \"10.0.0.5:" + bind.port() + "\"");
            }
            for (ListenerConfig listener : listeners) {
                if (listener.bind() != null && bind.overlaps(listener.bind())) {
                    cluster.error("bind", "the cluster bind " + bind + " collides with listener " + listener.name(), "give the cluster its own port");
                }
            }
            if (admin.bind() != null && bind.overlaps(admin.bind())) {
                cluster.error("bind", "the cluster bind " + bind + " collides with the admin listener", "give the cluster its own port");
            }
        }
        String name = cluster.string("name");
        if (!TOKEN.matcher(name).matches()) {
            cluster.error("name", "a cluster name is letters, digits and -_.", "e.g. name = wso2-edge");
        }
        List<BindAddress> peers = new ArrayList<>();
        List<String> peerTexts = cluster.strings("peers");
        for (String peer : peerTexts) {
            BindAddress address = BindAddress.parse(peer);
            if (address == null || address.port() == 0) {
                cluster.error("peers", "\"" + peer + "\" is not host:port", "list every instance as \"host:port\", e.g. \"10.0.0.6:7800\"");
            } else {
                peers.add(address);
            }
        }
        String dns = cluster.string("dns");
        if (peerTexts.isEmpty() == dns.isEmpty()) {
            cluster.error(peerTexts.isEmpty() ? "peers" : "dns", peerTexts.isEmpty() ? "the cluster has no way to find its peers"
                    : "peers and dns are both set", "set either peers = [\"host:port\", ...] or dns = \"<name resolving to every instance>\"");
        }
        String secretText = cluster.string("secret-file");
        Path secretFile = secretText.isEmpty() ? null : resolve(secretText);
        if (secretFile == null) {
            cluster.error("secret-file", "a cluster needs a shared secret: without it anyone who reaches the port could join",
                    "e.g. openssl rand -hex 32 > /etc/sluice/cluster.secret (the same file on every instance), "
                            + "then secret-file = /etc/sluice/cluster.secret");
        } else {
            try {
                if (Files.readString(secretFile).trim().length() < 32) {
                    cluster.error("secret-file", "the secret in " + secretFile + " is shorter than 32 characters",
                            "e.g. openssl rand -hex 32 > " + secretFile);
                }
            } catch (java.io.IOException e) {
                cluster.error("secret-file", "cannot read " + secretFile + ": " + e.getMessage(), "let the sluice user read it (mode 0640)");
            }
        }
        return new ClusterConfig(name, bind, peers, dns, secretFile);
    }

    private static HealthConfig readHealth(Section health) {
        String path = health.string("path");
        if (!path.isEmpty()) {
            SafePath.Result safe = SafePath.normalize(path.indexOf('?') >= 0 ? path.substring(0, path.indexOf('?')) : path);
            if (safe.path() == null || !LineSafety.isSafe(path)) {
                health.error("path", "\"" + path + "\" is not a request path", "e.g. path = \"/api/health-check/v1.0/health\"");
            }
        }
        String method = health.string("method").toUpperCase(Locale.ROOT);
        if (!List.of("GET", "HEAD", "OPTIONS").contains(method)) {
            health.error("method", "health checks use GET, HEAD or OPTIONS, not \"" + method + "\"", null);
        }
        String expect = health.string("expect-status");
        int from = 200;
        int to = 399;
        java.util.regex.Matcher range = Pattern.compile("([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?").matcher(expect);
        if (range.matches()) {
            from = Integer.parseInt(range.group(1));
            to = range.group(2) == null ? from : Integer.parseInt(range.group(2));
            if (to < from) {
                health.error("expect-status", "the range \"" + expect + "\" is empty", "write low-high, e.g. 200-399");
            }
        } else {
            health.error("expect-status", "\"" + expect + "\" is not a status or status range", "e.g. \"200\" or \"200-399\"");
        }
        Duration interval = positive(health, "interval");
        Duration timeout = positive(health, "timeout");
        if (timeout.compareTo(interval) > 0) {
            health.error("timeout", "a check's timeout (" + timeout.toMillis() + " ms) cannot exceed its interval (" + interval.toMillis() + " ms)", null);
        }
        if (method.equals("HEAD") && !health.string("expect-body").isEmpty()) {
            health.error("expect-body", "a HEAD answer has no body to search", "use method = GET, or drop expect-body");
        }
        String host = health.string("host");
        if (!host.isEmpty() && (!LineSafety.isSafe(host) || host.indexOf(' ') >= 0)) {
            health.error("host", "\"" + host + "\" is not a host name", null);
        }
        return new HealthConfig(path.isEmpty() ? null : path, method, from, to, health.string("expect-body"), interval, timeout,
                health.integer("rise", 1, 100), health.integer("fall", 1, 100), host);
    }

    /** An enum value written in lower case with dashes (round-robin → ROUND_ROBIN). */
    private static <E extends Enum<E>> E choice(Section section, String key, Class<E> type, E fallback) {
        String text = section.string(key);
        E parsed = parseChoice(text, type);
        if (parsed == null) {
            List<String> names = java.util.Arrays.stream(type.getEnumConstants())
                    .map(value -> value.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
            section.error(key, "unknown value \"" + text + "\"", "use " + String.join(", ", names) + "; " + DidYouMean.hint(text, names));
            return fallback;
        }
        return parsed;
    }

    private static <E extends Enum<E>> E parseChoice(String text, Class<E> type) {
        for (E value : type.getEnumConstants()) {
            if (value.name().replace('_', '-').equalsIgnoreCase(text)) {
                return value;
            }
        }
        return null;
    }

    /** A prefix or rewrite must already be in the form SafePath gives request paths, or it could never match. */
    private static boolean canonical(Section section, String key, String path) {
        SafePath.Result normalized = SafePath.normalize(path);
        if (normalized.path() == null) {
            section.error(key, "\"" + path + "\" is not a safe path: " + normalized.rejection(), null);
            return false;
        }
        if (!normalized.path().equals(path)) {
            section.error(key, "\"" + path + "\" is not in canonical form", "write \"" + normalized.path() + "\"");
            return false;
        }
        return true;
    }

    private static Set<String> methods(Section section, String key) {
        Set<String> methods = new LinkedHashSet<>();
        for (String method : section.strings(key)) {
            if (!TOKEN.matcher(method).matches()) {
                section.error(key, "\"" + method + "\" is not an HTTP method", null);
            } else {
                methods.add(method.toUpperCase(Locale.ROOT));
            }
        }
        return methods;
    }

    private static Duration positive(Section section, String key) {
        Duration duration = section.duration(key);
        if (duration.isZero()) {
            section.error(key, "must be longer than zero", null);
            return Duration.ofSeconds(1);
        }
        return duration;
    }

    private Path resolve(String path) {
        Path candidate = Path.of(path);
        return candidate.isAbsolute() || baseDirectory == null ? candidate : baseDirectory.resolve(candidate).normalize();
    }
}
