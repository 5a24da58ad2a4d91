package io.gpuscale.common.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** What the text and the JSON format take from a log record alike. */
abstract class LogLine extends Formatter {
    /** RFC 3339 in UTC with milliseconds: {@code 2026-12-03T08:37:16.104Z}. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);

    /**
     * The message with its parameters in place (java.util.logging's {@code {0}} placeholders), the
     * fields left out; scrubbed of secrets ({@link LogFields#scrub}).
     */
    final String message(LogRecord r) {
        Object[] p = r.getParameters();
        String m;
        if (p == null || p.length == 0 || (p.length == 1 && p[0] instanceof LogFields)) {
            m = r.getMessage(); // as java.util.logging does: no parameters, no placeholders replaced
        } else {
            m = formatMessage(r);
        }
        return LogFields.scrub(m == null ? "" : m);
    }

    /** The record's throwable, else the one its fields carry, else null. */
    static Throwable failure(LogRecord r, LogFields fields) {
        if (r.getThrown() != null) {
            return r.getThrown();
        }
        return fields == null ? null : fields.failure();
    }

    /** {@code t}'s stack trace as {@link Throwable#printStackTrace()} writes it, without the last line end. */
    static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        try (PrintWriter pw = new PrintWriter(sw)) {
            t.printStackTrace(pw);
        }
        return LogFields.scrub(sw.toString().stripTrailing());
    }

    /** Our level names: debug, info, warn, error (java.util.logging's FINE and below are debug). */
    static String levelName(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (v >= Level.WARNING.intValue()) {
            return "warn";
        }
        if (v >= Level.INFO.intValue()) {
            return "info";
        }
        return "debug";
    }
}
