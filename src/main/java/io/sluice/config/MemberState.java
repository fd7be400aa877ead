package io.sluice.config;

import java.util.Locale;

/** What a member is for, set in the config (and, later, at run time by the admin API). */
public enum MemberState {
    /** Takes new sessions and keeps its own. */
    ACTIVE,
    /** Keeps the sessions that stick to it, takes no new ones (httpd +N, HAProxy drain). */
    DRAINING,
    /** Takes nothing; requests stuck to it fail over (httpd +D, HAProxy maint). */
    DISABLED,
    /** Takes traffic only when no active member is available (httpd +H, HAProxy backup). */
    STANDBY;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
