package io.gpuscale.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads durations as Kubernetes and Prometheus users write them, for the agent's and the adapter's
 * flags: {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h}, and sums of them such as {@code 1m30s}.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Reads a duration.
     *
     * @throws IllegalArgumentException {@code empty duration}, or {@code '...' is not a duration (use a
     *         number with ms, s, m or h, e.g. 500ms, 1s, 2m)}
     */
    public static Duration parse(String text) {
        return parse(text, "500ms, 1s, 2m");
    }

    /**
     * Reads a duration; as {@link #parse(String)}, with the examples the error message gives.
     *
     * @param examples what follows {@code e.g.} in the error message
     */
    public static Duration parse(String text, String examples) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a duration (use a number with ms, s, m or h, e.g. " + examples + ")");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            at = m.end();
        }
        return total;
    }

    /** The shortest spelling {@link #parse} reads back to the same value. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
