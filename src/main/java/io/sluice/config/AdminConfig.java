package io.sluice.config;

import java.nio.file.Path;
import java.util.List;

/** The admin listener; bind null means none. */
public record AdminConfig(BindAddress bind, List<User> users, Path tokenFile, boolean openRead, Path stateFile, TlsConfig tls) {

    /** An admin user and the salted hash `sluice passwd` printed for them. */
    public record User(String name, String passwordHash) {
        @Override
        public String toString() {
            return "User[name=" + name + ", passwordHash=<redacted>]";
        }
    }

    public AdminConfig {
        users = List.copyOf(users);
    }

    public String scheme() {
        return tls == null ? "http" : "https";
    }

    public boolean enabled() {
        return bind != null;
    }
}
