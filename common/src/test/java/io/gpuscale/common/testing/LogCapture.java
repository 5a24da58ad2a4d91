package io.gpuscale.common.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every java.util.logging record above INFO written while it is open (the agent and adapter log through JUL). */
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
            lines.add(r.getLevel() + " " + r.getLoggerName() + ": " + FORMAT.formatMessage(r)
                    + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]"));
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
