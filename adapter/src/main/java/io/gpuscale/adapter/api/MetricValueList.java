package io.gpuscale.adapter.api;

import java.util.List;

/**
 * {@code MetricValueList} of custom.metrics.k8s.io, in the shape of the version asked for:
 * v1beta1 items carry {@code metricName}, {@code window} and {@code selector}; v1beta2 items carry
 * {@code metric{name,selector}} and {@code windowSeconds}.
 *
 * @param version {@code v1beta1} or {@code v1beta2}
 * @param items the values, one per object
 */
public record MetricValueList(String version, List<MetricValue> items) implements JsonDocument {
    public MetricValueList {
        items = List.copyOf(items);
    }

    @Override
    public void write(JsonText json) {
        json.begin()
                .field("kind", "MetricValueList")
                .field("apiVersion", CustomMetricsApi.GROUP + "/" + version)
                .key("metadata").begin().end()
                .key("items").beginArray();
        for (MetricValue item : items) {
            item.write(json, version);
        }
        json.endArray().end();
    }

    @Override
    public long oldestValueMillis() {
        long oldest = Long.MAX_VALUE;
        for (MetricValue v : items) {
            oldest = Math.min(oldest, v.timestamp().toEpochMilli());
        }
        return oldest == Long.MAX_VALUE ? NO_VALUES : oldest;
    }

    @Override
    public String render() {
        JsonText json = new JsonText(160 + 320 * items.size());
        write(json);
        return json.toString();
    }
}
