package io.gpuscale.adapter.monitoring;

import java.time.Duration;

/**
 * The upper bounds of the adapter's histograms: Prometheus classic buckets, fixed here so that
 * every replica exposes the same ones and {@code sum by (le)} over replicas is exact (percentiles
 * computed in each process, as a summary gives them, cannot be added up). Few buckets: each is a
 * series per label set.
 */
final class Buckets {
    /** Requests and reviews: a cached answer is a millisecond, a Prometheus query up to its 2 s timeout. */
    static final Duration[] REQUEST = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    /** Scrapes: a poll within its timeout (3/4 of the interval), a watch held up to 30 s. */
    static final Duration[] SCRAPE = seconds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    /** How late a scrape starts after its timer was due: milliseconds when a lane keeps up. */
    static final Duration[] LATENESS = seconds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);
    /** The age of served values, seconds: an agent samples every second, --max-age defaults to 30 s. */
    static final double[] AGE = {0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120};

    private Buckets() {
    }

    private static Duration[] seconds(double... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
        }
        return out;
    }
}
