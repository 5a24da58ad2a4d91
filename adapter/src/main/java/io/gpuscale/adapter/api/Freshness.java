package io.gpuscale.adapter.api;

import io.gpuscale.adapter.metrics.Aggregation;
import io.gpuscale.adapter.metrics.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Which readings are current, and what they add up to. A reading is current when it is finite and
 * at most {@code --max-age} old (a reading from a clock slightly ahead counts as current). Stale
 * readings are left out of a combination rather than failing it: a series the agent stopped
 * reporting (a lost GPU, a departed pod) lingers in the store with an old timestamp.
 */
final class Freshness {
    private final Duration maxAge;

    Freshness(Duration maxAge) {
        this.maxAge = maxAge;
    }

    /** A combined value, or why there is none. */
    sealed interface Combined permits Value, Missing {
    }

    /**
     * @param value the combined value
     * @param timestamp the oldest reading combined
     */
    record Value(double value, Instant timestamp) implements Combined {
    }

    /** @param why a phrase for a 404 message, e.g. "there is no reading" */
    record Missing(String why) implements Combined {
    }

    boolean isCurrent(Reading r, Instant now) {
        return Double.isFinite(r.value()) && now.toEpochMilli() - r.timestampMillis() <= maxAge.toMillis();
    }

    List<Reading> current(List<Reading> readings, Instant now) {
        List<Reading> out = new ArrayList<>(readings.size());
        for (Reading r : readings) {
            if (isCurrent(r, now)) {
                out.add(r);
            }
        }
        return out;
    }

    Combined combine(List<Reading> readings, Aggregation aggregation, Instant now) {
        List<Reading> current = current(readings, now);
        if (current.isEmpty()) {
            return new Missing(whyNone(readings, now));
        }
        OptionalDouble v = aggregation.apply(current);
        long oldest = Long.MAX_VALUE;
        for (Reading r : current) {
            oldest = Math.min(oldest, r.timestampMillis());
        }
        return new Value(v.getAsDouble(), Instant.ofEpochMilli(oldest));
    }

    String whyNone(List<Reading> readings, Instant now) {
        long newest = Long.MIN_VALUE;
        for (Reading r : readings) {
            if (Double.isFinite(r.value())) {
                newest = Math.max(newest, r.timestampMillis());
            }
        }
        if (newest == Long.MIN_VALUE) {
            return "there is no reading";
        }
        Duration age = Duration.ofMillis(now.toEpochMilli() - newest);
        return "its newest reading is " + seconds(age) + " old, older than --max-age " + seconds(maxAge);
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }
}
