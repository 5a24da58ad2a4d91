package io.gpuscale.adapter.api;

import java.util.List;

/** {@code ExternalMetricValueList} of external.metrics.k8s.io/v1beta1. */
public record ExternalMetricValueList(List<ExternalMetricValue> items) implements JsonDocument {
    public ExternalMetricValueList {
        items = List.copyOf(items);
    }

    @Override
    public long oldestValueMillis() {
        long oldest = Long.MAX_VALUE;
        for (ExternalMetricValue v : items) {
            oldest = Math.min(oldest, v.timestamp().toEpochMilli());
        }
        return oldest == Long.MAX_VALUE ? NO_VALUES : oldest;
    }

    @Override
    public void write(JsonText json) {
        json.begin()
                .field("kind", "ExternalMetricValueList")
                .field("apiVersion", ExternalMetricsApi.GROUP + "/" + ExternalMetricsApi.VERSION)
                .key("metadata").begin().end()
                .key("items").beginArray();
        for (ExternalMetricValue item : items) {
            item.write(json);
        }
        json.endArray().end();
    }
}
