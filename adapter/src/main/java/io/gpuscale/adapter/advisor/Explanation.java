package io.gpuscale.adapter.advisor;

import java.util.List;

/**
 * The advisor's answer for one pod: quota admission first, then every node's verdict.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name (or generateName)
 * @param quota whether the API server would admit the pod in its namespace
 * @param fitError kube-scheduler's FailedScheduling text ("0/3 nodes are available: ...") when no
 *        node is feasible, else null
 * @param nodes one verdict per node considered, best score first among the feasible ones, then
 *        the infeasible ones by name
 */
public record Explanation(String namespace, String pod, QuotaVerdict quota, String fitError, List<NodeVerdict> nodes) {
    public Explanation {
        nodes = List.copyOf(nodes);
    }
}
