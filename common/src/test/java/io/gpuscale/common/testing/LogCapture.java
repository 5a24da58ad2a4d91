package io.gpuscale.common.testing;

import io.gpuscale.common.log.LogFields;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Every java.util.logging record above INFO written while it is open (the agent and adapter log through JUL):
 * level, logger, message, the context as {@code key=value} ({@link LogFields}) and the failure in brackets.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private static final java.util.logging.Formatter FORMAT = new java.util.logging.SimpleFormatter();
    private final List<String> lines = new ArrayList<>();
    private final Logger root = Logger.getLogger("");

    public static LogCapture open() {
        LogCapture c = new LogCapture();
        c.setLevel(Level.ALL);
        c.root.addHandler(c);
        return c;
    }

    @Override
    public synchronized void publish(LogRecord r) {
        if (r.getLevel().intValue() > Level.INFO.intValue()) {
            LogFields fields = LogFields.in(r.getParameters());
            Object[] p = r.getParameters();
            String message = p == null || p.length == 0 || (p.length == 1 && fields != null) ? r.getMessage()
                    : FORMAT.formatMessage(r);
            Throwable thrown = r.getThrown() != null ? r.getThrown() : fields == null ? null : fields.failure();
            lines.add(r.getLevel() + " " + r.getLoggerName() + ": " + message
                    + (fields == null || fields.size() == 0 ? "" : " " + fields)
                    + (thrown == null ? "" : " [" + thrown + "]"));
        }
    }

    /** The lines above INFO so far. */
    public synchronized List<String> aboveInfo() {
        return List.copyOf(lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
