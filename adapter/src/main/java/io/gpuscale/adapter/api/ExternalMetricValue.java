package io.gpuscale.adapter.api;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One external metric value.
 *
 * @param metricName the served name
 * @param metricLabels labels describing the series the value combines
 * @param timestamp when it was measured: the oldest reading it combines
 * @param windowSeconds the span each reading covers
 * @param value the canonical quantity
 */
public record ExternalMetricValue(String metricName, Map<String, String> metricLabels, Instant timestamp,
        long windowSeconds, String value) {
    public ExternalMetricValue {
        metricLabels = Map.copyOf(metricLabels);
    }

    void write(JsonText json) {
        json.begin().field("metricName", metricName).key("metricLabels").begin();
        new TreeMap<>(metricLabels).forEach(json::field);
        json.end()
                .field("timestamp", Timestamps.rfc3339(timestamp))
                .field("window", windowSeconds)
                .field("value", value)
                .end();
    }
}
