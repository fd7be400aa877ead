package io.sluice.config;

import java.nio.file.Path;

/** Access log switch and target; a null file means stdout. */
public record AccessLogConfig(boolean enabled, Path file) {
}
