package io.gpuscale.adapter.hpa;

/**
 * The scale target's replica counts and the HPA's bounds.
 *
 * @param specReplicas the target's {@code spec.replicas}: the HPA's "current replicas"
 * @param statusReplicas the target's {@code status.replicas}: what AverageValue targets of
 *     Object and External metrics divide by
 * @param minReplicas the HPA's {@code minReplicas} (0 only with the HPAScaleToZero gate)
 * @param maxReplicas the HPA's {@code maxReplicas}
 */
public record HpaScale(int specReplicas, int statusReplicas, int minReplicas, int maxReplicas) {
    public HpaScale {
        if (specReplicas < 0 || statusReplicas < 0) {
            throw new IllegalArgumentException("replicas must not be negative");
        }
        if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
            throw new IllegalArgumentException(
                    "need 0 <= minReplicas <= maxReplicas and maxReplicas >= 1, got " + minReplicas + ".." + maxReplicas);
        }
    }

    /** A target at rest: {@code spec.replicas} = {@code status.replicas} = {@code current}. */
    public static HpaScale of(int current, int minReplicas, int maxReplicas) {
        return new HpaScale(current, current, minReplicas, maxReplicas);
    }
}
