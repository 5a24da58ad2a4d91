package io.gpuscale.adapter.scrape;

/**
 * Passes on only samples whose value the metric can have; the others are dropped and counted,
 * never served. An agent (or anything answering on its port) can send any number: a utilization
 * of 250, a negative memory size, 1e308 bytes, NaN. The ranges go by the series' unit suffix:
 * {@code _percent} 0 to 100, {@code _bytes} 0 to 2^53 (exact as a double; far above any GPU),
 * {@code _watts} 0 to 100 kW, {@code _celsius} 0 to 200 (NVML reports unsigned degrees), and any
 * other series a finite number.
 */
public final class ValueRangeCheck implements SampleSink {
    /** The largest byte count served: every integer up to it is exact in a double. */
    static final double MAX_BYTES = 0x1p53;
    static final double MAX_WATTS = 100_000;
    static final double MAX_CELSIUS = 200;

    private final SampleSink next;
    private int rejected;
    private String firstRejected;

    public ValueRangeCheck(SampleSink next) {
        this.next = next;
    }

    @Override
    public boolean accepts(String name) {
        return next.accepts(name);
    }

    @Override
    public void sample(String name, Labels labels, double value, long timestampMillis) {
        if (valid(name, value)) {
            next.sample(name, labels, value, timestampMillis);
        } else if (rejected++ == 0) {
            firstRejected = name + " " + value + " (" + range(name) + ")";
        }
    }

    /** Samples dropped so far. */
    public int rejected() {
        return rejected;
    }

    /** The first one dropped, with the range it missed, or null. */
    public String firstRejected() {
        return firstRejected;
    }

    /** Whether {@code value} is one the series {@code name} can have. */
    public static boolean valid(String name, double value) {
        if (!Double.isFinite(value)) {
            return false;
        }
        if (name.endsWith("_percent")) {
            return value >= 0 && value <= 100;
        }
        if (name.endsWith("_bytes")) {
            return value >= 0 && value <= MAX_BYTES;
        }
        if (name.endsWith("_watts")) {
            return value >= 0 && value <= MAX_WATTS;
        }
        if (name.endsWith("_celsius")) {
            return value >= 0 && value <= MAX_CELSIUS;
        }
        return true;
    }

    /** The valid range of a series, in words. */
    static String range(String name) {
        if (name.endsWith("_percent")) {
            return "valid: 0 to 100";
        }
        if (name.endsWith("_bytes")) {
            return "valid: 0 to 2^53";
        }
        if (name.endsWith("_watts")) {
            return "valid: 0 to 100000";
        }
        if (name.endsWith("_celsius")) {
            return "valid: 0 to 200";
        }
        return "valid: a finite number";
    }
}
