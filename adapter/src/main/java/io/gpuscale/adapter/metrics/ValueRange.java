package io.gpuscale.adapter.metrics;

/**
 * The values a served series can have, by its unit suffix: {@code _percent} 0 to 100,
 * {@code _bytes} 0 to 2^53 (every byte count exact as a double; far above any GPU),
 * {@code _watts} 0 to 100 kW, {@code _celsius} 0 to 200 (NVML reports unsigned degrees), and any
 * other series a finite number. A value outside is never served.
 */
public final class ValueRange {
    /** The largest byte count served: every integer up to it is exact in a double. */
    static final double MAX_BYTES = 0x1p53;
    static final double MAX_WATTS = 100_000;
    static final double MAX_CELSIUS = 200;

    private ValueRange() {
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

    /** The valid range of a series, in words, e.g. {@code valid: 0 to 100}. */
    public static String describe(String name) {
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
