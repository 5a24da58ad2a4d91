package io.gpuscale.adapter.hpa;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One metric of an HPA with what the metrics APIs answered for it, values in milli-units
 * ({@code Quantity.MilliValue()}: {@code "70500m"} is 70500).
 */
public sealed interface HpaMetric {
    String name();

    MetricTarget target();

    /**
     * A {@code Pods} metric (AverageValue target only): the per-pod values the custom metrics
     * API returned for {@code pods/*}, keyed by pod name, and the pods the HPA's selector
     * lists. A returned pod the HPA does not list (a foreign pod) still counts in the mean, as
     * it does upstream.
     */
    record Pods(String name, long targetAverageMilli, Map<String, Long> milliByPod, List<HpaPod> pods)
            implements HpaMetric {
        public Pods {
            Objects.requireNonNull(name, "name");
            milliByPod = Map.copyOf(milliByPod);
            pods = List.copyOf(pods);
            MetricTarget.averageValue(targetAverageMilli);
        }

        @Override
        public MetricTarget target() {
            return MetricTarget.averageValue(targetAverageMilli);
        }
    }

    /** An {@code Object} metric: the one value of the described object. */
    record ObjectValue(String name, MetricTarget target, long milliValue, List<HpaPod> pods) implements HpaMetric {
        public ObjectValue {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(target, "target");
            pods = List.copyOf(pods);
        }
    }

    /** An {@code External} metric: every value the external metrics API returned (summed). */
    record External(String name, MetricTarget target, List<Long> milliValues, List<HpaPod> pods) implements HpaMetric {
        public External {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(target, "target");
            milliValues = List.copyOf(milliValues);
            pods = List.copyOf(pods);
        }
    }
}
