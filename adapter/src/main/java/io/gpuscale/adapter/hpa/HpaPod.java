package io.gpuscale.adapter.hpa;

import io.gpuscale.adapter.cluster.PodRecord;
import java.util.Objects;

/**
 * A pod the HPA's selector picks, as the HPA controller sees it when it groups pods.
 *
 * @param name the pod's name (metrics are keyed by it)
 * @param phase Pending, Running, Succeeded, Failed or Unknown
 * @param ready whether the pod's {@code Ready} condition is true (counts only for Object and
 *     External metrics with a Value target, and never for Pods metrics: readiness matters to
 *     the HPA only for CPU)
 * @param deleting whether the pod has a deletion timestamp
 */
public record HpaPod(String name, String phase, boolean ready, boolean deleting) {
    public HpaPod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(phase, "phase");
    }

    /** A running, ready pod that is not being deleted. */
    public static HpaPod running(String name) {
        return new HpaPod(name, "Running", true, false);
    }

    /**
     * A pod of the cluster view, as the HPA would group it. The view keeps no conditions or
     * deletion timestamps, so a Running pod counts as ready and none as deleting (exact for
     * Pods metrics, where readiness does not count).
     */
    public static HpaPod of(PodRecord pod) {
        return new HpaPod(pod.name(), pod.phase().isEmpty() ? "Unknown" : pod.phase(), "Running".equals(pod.phase()),
                false);
    }

    /** A pod still pending (not yet started). */
    public static HpaPod pending(String name) {
        return new HpaPod(name, "Pending", false, false);
    }

    boolean ignored() {
        return deleting || "Failed".equals(phase) || "Succeeded".equals(phase);
    }

    boolean runningAndReady() {
        return "Running".equals(phase) && ready;
    }
}
