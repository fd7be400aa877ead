package io.sluice.config;

import java.nio.file.Path;

/** How a pool checks its https members: verify against system CAs, a PEM bundle, or not at all. */
public record BackendTlsConfig(boolean verify, Path caBundle) {
}
