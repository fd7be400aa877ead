package io.sluice.admin;

import io.sluice.auth.PasswordHash;
import io.sluice.config.AdminConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is calling the admin listener: a user with a password (HTTP Basic, checked against
 * the salted PBKDF2 hash), or automation with the bearer token. Reads may be open by
 * config; anything that changes state always needs a caller. Runs on worker threads
 * (PBKDF2 is deliberately slow); a verified Basic header is remembered for a minute so
 * the page does not pay it on every click.
 */
final class AdminAuth {
    private static final long REMEMBER_NANOS = 60_000_000_000L;

    private final Map<String, String> users;
    private final String token;
    private final boolean openRead;
    private final Map<String, Long> verified = new ConcurrentHashMap<>();

    AdminAuth(AdminConfig config) throws java.io.IOException {
        this.users = new java.util.HashMap<>();
        for (AdminConfig.User user : config.users()) {
            users.put(user.name(), user.passwordHash());
        }
        Path tokenFile = config.tokenFile();
        this.token = tokenFile == null ? null : Files.readString(tokenFile).trim();
        this.openRead = config.openRead();
    }

    boolean hasCredentials() {
        return !users.isEmpty() || token != null;
    }

    /** The caller's name ("token" for the bearer), "anonymous" for an open read, or null: refused. */
    String caller(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && token != null) {
            if (PasswordHash.sameToken(header.substring(7).trim(), token)) {
                return "token";
            }
        } else if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String user = basicUser(header);
            if (user != null) {
                return user;
            }
        }
        boolean read = exchange.getRequestMethod().equals(Methods.GET) || exchange.getRequestMethod().equals(Methods.HEAD);
        return openRead && read && header == null ? "anonymous" : null;
    }

    private String basicUser(String header) {
        Long until = verified.get(header);
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String name = decoded.substring(0, colon);
        if (until != null && System.nanoTime() - until < 0) {
            return name;
        }
        String hash = users.get(name);
        if (hash == null || !PasswordHash.matches(decoded.substring(colon + 1).toCharArray(), hash)) {
            return null;
        }
        if (verified.size() > 1000) {
            verified.clear();
        }
        verified.put(header, System.nanoTime() + REMEMBER_NANOS);
        return name;
    }
}
