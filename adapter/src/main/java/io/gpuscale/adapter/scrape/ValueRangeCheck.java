package io.gpuscale.adapter.scrape;

import io.gpuscale.adapter.metrics.ValueRange;

/**
 * Passes on only samples whose value the metric can have ({@link ValueRange}); the others are
 * dropped and counted, never served. An agent (or anything answering on its port) can send any
 * number: a utilization of 250, a negative memory size, 1e308 bytes, NaN.
 */
public final class ValueRangeCheck implements SampleSink {
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
        if (ValueRange.valid(name, value)) {
            next.sample(name, labels, value, timestampMillis);
        } else if (rejected++ == 0) {
            firstRejected = name + " " + value + " (" + ValueRange.describe(name) + ")";
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
}
