package io.gpuscale.adapter.hpa;

/**
 * What the HPA controller would do in one sync.
 *
 * @param currentReplicas the target's {@code spec.replicas}
 * @param desiredReplicas what the HPA would set, after the min/max bounds and the default
 *     scale-up rate limit
 * @param proposedReplicas what the metrics alone ask for (before bounds and limits); equals
 *     current when no metric could be computed
 * @param able false when no metric could be computed (the HPA's {@code ScalingActive=False})
 * @param explanation one line: the numbers, the rule that applied and the result
 */
public record HpaDecision(int currentReplicas, int desiredReplicas, int proposedReplicas, boolean able,
        String explanation) {

    /** True when the HPA would change the replica count. */
    public boolean scales() {
        return desiredReplicas != currentReplicas;
    }
}
