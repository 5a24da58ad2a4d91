package io.gpuscale.adapter.api;

import io.gpuscale.adapter.selector.LabelSelector;
import java.util.Map;

/**
 * The query parameters of a metrics request, parsed once.
 *
 * @param labelSelector selects objects by their Kubernetes labels (custom), or series by their
 *        labels (external)
 * @param metricLabelSelector selects among a metric's series by their labels
 * @param fieldName the name a {@code fieldSelector=metadata.name=...} asks for, or null
 */
record Query(LabelSelector labelSelector, LabelSelector metricLabelSelector, String fieldName) {

    /** @throws IllegalArgumentException with a message for a 400 answer */
    static Query parse(Map<String, String> params) {
        LabelSelector labels = parseSelector("labelSelector", params.get("labelSelector"));
        LabelSelector metricLabels = parseSelector("metricLabelSelector", params.get("metricLabelSelector"));
        return new Query(labels, metricLabels, fieldName(params.get("fieldSelector")));
    }

    private static LabelSelector parseSelector(String param, String text) {
        try {
            return LabelSelector.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(param + ": " + e.getMessage(), e);
        }
    }

    /** Only {@code metadata.name} can be selected on, as for custom-metrics-apiserver. */
    private static String fieldName(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.trim();
        int eq = t.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("fieldSelector: invalid selector \"" + t + "\": expected field=value");
        }
        String field = t.substring(0, eq).trim();
        String value = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
        if (!field.equals("metadata.name")) {
            throw new IllegalArgumentException("fieldSelector: field label \"" + field + "\" not supported "
                    + "(only metadata.name)");
        }
        if (value.isEmpty() || value.indexOf(',') >= 0 || value.indexOf('=') >= 0) {
            throw new IllegalArgumentException("fieldSelector: invalid value \"" + value + "\" for metadata.name");
        }
        return value;
    }
}
