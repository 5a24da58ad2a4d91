package io.gpuscale.adapter.api;

import io.gpuscale.adapter.selector.LabelSelector;
import java.time.Instant;

/**
 * One custom metric value of one object, in the API's terms.
 *
 * @param describedObject the pod, node or namespace the value is about
 * @param metricName the served metric name
 * @param selector the metric label selector the value was computed under, empty for none
 * @param timestamp when the value was measured: the oldest of the readings it combines
 * @param windowSeconds the span each reading covers (the agent's sample interval)
 * @param value the canonical quantity
 */
public record MetricValue(ObjectReference describedObject, String metricName, LabelSelector selector,
        Instant timestamp, long windowSeconds, String value) {

    void write(JsonText json, String version) {
        json.begin().key("describedObject");
        describedObject.write(json);
        if (CustomMetricsApi.V1BETA1.equals(version)) {
            json.field("metricName", metricName)
                    .field("timestamp", Timestamps.rfc3339(timestamp))
                    .field("window", windowSeconds)
                    .field("value", value)
                    .key("selector");
            SelectorJson.write(json, selector);
        } else {
            json.key("metric").begin().field("name", metricName).key("selector");
            SelectorJson.write(json, selector);
            json.end()
                    .field("timestamp", Timestamps.rfc3339(timestamp))
                    .field("windowSeconds", windowSeconds)
                    .field("value", value);
        }
        json.end();
    }
}
