package io.gpuscale.adapter.scrape;

/**
 * Where a parsed exposition's samples go. The parser asks {@link #accepts} once per distinct
 * metric name of a parser's lifetime and skips every line of a refused name without reading its
 * labels, so a sink that keeps a few families drops the rest cheaply.
 */
public interface SampleSink {
    /** The timestamp of a sample line that carries none. */
    long NO_TIMESTAMP = Long.MIN_VALUE;

    /** Whether samples of this metric name are wanted. Must give the same answer for a name every time. */
    boolean accepts(String name);

    /**
     * One sample of an accepted name.
     *
     * @param name the metric name (the same String instance for every line of a name)
     * @param labels its labels, in exposition order
     * @param value the value (NaN and infinities included)
     * @param timestampMillis the line's own timestamp, epoch milliseconds, or {@link #NO_TIMESTAMP}
     */
    void sample(String name, Labels labels, double value, long timestampMillis);
}
