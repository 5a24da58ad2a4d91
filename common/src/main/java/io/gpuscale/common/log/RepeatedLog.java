package io.gpuscale.common.log;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A failure that can repeat, logged once per kind per period: the first occurrence with its
 * detail, the following ones only counted, and the count told with the next line of that kind
 * once the period has passed. A flood of one failure writes at most one line a period.
 */
public final class RepeatedLog {
    /** The period in production: one line per kind per minute. */
    public static final Duration MINUTE = Duration.ofMinutes(1);

    private final Logger log;
    private final Clock clock;
    private final long periodMillis;
    private final int maxKinds;
    private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long startMillis;
        long suppressed;

        Window(long startMillis) {
            this.startMillis = startMillis;
        }
    }

    public RepeatedLog(Logger log, Clock clock, Duration period) {
        this.log = log;
        this.clock = clock;
        this.periodMillis = period.toMillis();
        this.maxKinds = 256;
    }

    /** One line a minute per kind, on the system clock. */
    public RepeatedLog(Logger log) {
        this(log, Clock.systemUTC(), MINUTE);
    }

    /** Logs {@code message} unless a line of this kind was written within the period; then only counts it. */
    public boolean log(Level level, String kind, String message) {
        return log(level, kind, message, (LogFields) null);
    }

    /**
     * Logs {@code message} (and {@code failure}'s stack trace, when not null) unless a line of this
     * kind was written within the period; then only counts it.
     *
     * @return whether a line was written
     */
    public boolean log(Level level, String kind, String message, Throwable failure) {
        return log(level, kind, message, failure == null ? null : LogFields.of().failure(failure));
    }

    /**
     * Logs {@code message} with its context {@code fields} (null for none; a failure they carry
     * adds its stack trace) unless a line of this kind was written within the period; then only
     * counts it.
     *
     * @return whether a line was written
     */
    public boolean log(Level level, String kind, String message, LogFields fields) {
        long now = clock.millis();
        if (windows.size() >= maxKinds && !windows.containsKey(kind)) {
            windows.clear(); // an unbounded number of kinds must not grow the map without end
        }
        long suppressed;
        Window fresh = new Window(now);
        Window w = windows.putIfAbsent(kind, fresh);
        if (w == null) {
            suppressed = 0;
        } else {
            synchronized (w) {
                if (now - w.startMillis < periodMillis) {
                    w.suppressed++;
                    return false;
                }
                suppressed = w.suppressed;
                w.startMillis = now;
                w.suppressed = 0;
            }
        }
        String line = suppressed == 0 ? message
                : message + " (and " + suppressed + " more like it in the last " + Duration.ofMillis(periodMillis)
                        .toSeconds() + "s)";
        if (fields == null || fields.size() == 0) {
            Throwable failure = fields == null ? null : fields.failure();
            if (failure == null) {
                log.log(level, line);
            } else {
                log.log(level, line, failure);
            }
        } else {
            log.log(level, line, fields);
        }
        return true;
    }
}
