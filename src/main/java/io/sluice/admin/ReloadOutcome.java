package io.sluice.admin;

/** What a reload or a run-time rebuild did: applied or refused, and a summary for the log, `sluice reload` and the API. */
public record ReloadOutcome(boolean applied, String summary) {
}
