package io.gpuscale.adapter.hpa;

/**
 * An HPA metric target: a total {@code Value} or a per-pod {@code AverageValue}, in milli-units
 * as the HPA controller compares them ({@code 70} is 70000).
 *
 * @param type Value or AverageValue
 * @param milliValue the target quantity, in milli-units, positive
 */
public record MetricTarget(Type type, long milliValue) {
    /** {@code autoscaling/v2} MetricTargetType, less Utilization (a resource-metric target). */
    public enum Type { VALUE, AVERAGE_VALUE }

    public MetricTarget {
        if (milliValue <= 0) {
            throw new IllegalArgumentException("a target must be positive, got " + milliValue + "m");
        }
    }

    public static MetricTarget value(long milliValue) {
        return new MetricTarget(Type.VALUE, milliValue);
    }

    public static MetricTarget averageValue(long milliValue) {
        return new MetricTarget(Type.AVERAGE_VALUE, milliValue);
    }
}
