package io.sluice.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import io.sluice.config.AccessLogConfig;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Points the access log where the config says: stdout (logback.xml's default, through
 * an async appender) or a file, also written asynchronously so that a slow disk never
 * stalls an IO thread.
 */
public final class AccessLogs {
    private AccessLogs() {
    }

    public static void configure(AccessLogConfig config) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return; // another SLF4J binding: leave logging to it
        }
        ch.qos.logback.classic.Logger access = context.getLogger(AccessLogHandler.LOGGER_NAME);
        if (!config.enabled()) {
            access.setLevel(Level.OFF);
            return;
        }
        access.setLevel(Level.INFO);
        if (config.file() == null) {
            return;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setName("ACCESS_FILE");
        file.setFile(config.file().toString());
        file.setAppend(true);
        file.setEncoder(encoder);
        file.start();
        AsyncAppender async = new AsyncAppender();
        async.setContext(context);
        async.setName("ACCESS_FILE_ASYNC");
        async.setNeverBlock(true);
        async.setQueueSize(8192);
        async.setDiscardingThreshold(0);
        async.addAppender(file);
        async.start();
        access.detachAndStopAllAppenders();
        access.addAppender(async);
        access.setAdditive(false);
    }
}
