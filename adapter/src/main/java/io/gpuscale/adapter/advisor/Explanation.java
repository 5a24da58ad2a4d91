package io.gpuscale.adapter.advisor;

import java.util.List;
import java.util.Objects;

/**
 * The advisor's answer for one pod: quota admission first, then every node's verdict.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name (or generateName)
 * @param quota whether the API server would admit the pod in its namespace
 * @param fitError kube-scheduler's FailedScheduling text ("0/3 nodes are available: ...") when no
 *        node is feasible, else null
 * @param gpuLoad whether the scores counted live GPU load, and if not, why
 * @param nodes one verdict per node considered, best score first among the feasible ones, then
 *        the infeasible ones by name
 */
public record Explanation(String namespace, String pod, QuotaVerdict quota, String fitError, GpuLoadStatus gpuLoad,
        List<NodeVerdict> nodes) {
    public Explanation {
        Objects.requireNonNull(gpuLoad, "gpuLoad");
        // the advisor's own list is immutable already: a copy of 5,000 references per call saved
        nodes = nodes instanceof VerdictList ? nodes : List.copyOf(nodes);
    }

    /** An answer scored without GPU load ({@link GpuLoadStatus#NOT_READ}). */
    public Explanation(String namespace, String pod, QuotaVerdict quota, String fitError, List<NodeVerdict> nodes) {
        this(namespace, pod, quota, fitError, GpuLoadStatus.NOT_READ, nodes);
    }
}
