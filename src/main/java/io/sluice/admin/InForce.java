package io.sluice.admin;

import io.sluice.config.FileStamp;
import io.sluice.config.SluiceConfig;
import io.sluice.pool.Pool;
import io.sluice.route.RouteHandler;
import java.util.Map;

/** The configuration generation in force, as the admin listener reads it (the runtime's generation is one). */
public interface InForce {
    SluiceConfig config();

    Map<String, Pool> pools();

    /** The routing decision, for /api/v1/explain. */
    RouteHandler routes();

    /** The file it was loaded from, when, and its checksum. */
    FileStamp file();
}
