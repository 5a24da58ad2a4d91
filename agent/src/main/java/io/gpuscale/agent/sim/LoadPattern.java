package io.gpuscale.agent.sim;

import java.time.Duration;
import java.util.Locale;

/**
 * A deterministic GPU load curve: utilization in percent as a function of the time since the
 * simulation started. The same pattern and time always give the same value.
 *
 * <p>Spelled {@code idle}, {@code steady:PCT}, {@code sine[:PERIOD]}, {@code ramp[:PERIOD]} or
 * {@code burst[:PERIOD]}, with PERIOD a duration such as {@code 90s} or {@code 5m}.
 */
public sealed interface LoadPattern {

    Duration DEFAULT_PERIOD = Duration.ofSeconds(120);

    /** Utilization at {@code elapsedMillis} after the start, 0-100. */
    int utilizationAt(long elapsedMillis);

    /** No work: 0 %. */
    record Idle() implements LoadPattern {
        @Override
        public int utilizationAt(long elapsedMillis) {
            return 0;
        }
    }

    /** A constant load. */
    record Steady(int percent) implements LoadPattern {
        public Steady {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("steady load must be 0-100, got " + percent);
            }
        }

        @Override
        public int utilizationAt(long elapsedMillis) {
            return percent;
        }
    }

    /** A smooth wave between 10 % and 90 %, like a diurnal inference load compressed in time. */
    record Sine(Duration period, double phase) implements LoadPattern {
        @Override
        public int utilizationAt(long elapsedMillis) {
            double turns = (double) elapsedMillis / period.toMillis() + phase;
            return (int) Math.round(50 + 40 * Math.sin(2 * Math.PI * turns));
        }
    }

    /** A saw tooth from 0 % to 100 %, then back to 0 %: good for watching an HPA scale up. */
    record Ramp(Duration period) implements LoadPattern {
        @Override
        public int utilizationAt(long elapsedMillis) {
            return (int) (100 * Math.floorMod(elapsedMillis, period.toMillis()) / period.toMillis());
        }
    }

    /** Batch jobs: 95 % for the first quarter of each period, 3 % for the rest. */
    record Burst(Duration period) implements LoadPattern {
        @Override
        public int utilizationAt(long elapsedMillis) {
            return Math.floorMod(elapsedMillis, period.toMillis()) < period.toMillis() / 4 ? 95 : 3;
        }
    }

    /**
     * Parses a pattern as spelled in {@code --source sim:...}.
     *
     * @param phase where a sine wave starts, in turns, so that several GPUs do not move in step
     */
    static LoadPattern parse(String text, double phase) {
        String name = text;
        String arg = null;
        int colon = text.indexOf(':');
        if (colon >= 0) {
            name = text.substring(0, colon);
            arg = text.substring(colon + 1);
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "idle":
                requireNoArgument(name, arg);
                return new Idle();
            case "steady":
                if (arg == null) {
                    throw new IllegalArgumentException("steady needs a percentage, e.g. steady:40");
                }
                try {
                    return new Steady(Integer.parseInt(arg));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("steady needs a whole percentage 0-100, got '" + arg + "'");
                }
            case "sine":
                return new Sine(period(arg), phase);
            case "ramp":
                return new Ramp(period(arg));
            case "burst":
                return new Burst(period(arg));
            default:
                throw new IllegalArgumentException(
                        "unknown load pattern '" + name + "' (known: idle, steady:PCT, sine, ramp, burst)");
        }
    }

    private static void requireNoArgument(String name, String arg) {
        if (arg != null) {
            throw new IllegalArgumentException(name + " takes no argument");
        }
    }

    private static Duration period(String arg) {
        if (arg == null) {
            return DEFAULT_PERIOD;
        }
        Duration d = io.gpuscale.common.Durations.parse(arg);
        if (d.toMillis() < 1000) {
            throw new IllegalArgumentException("a load period must be at least 1s, got " + arg);
        }
        return d;
    }
}
