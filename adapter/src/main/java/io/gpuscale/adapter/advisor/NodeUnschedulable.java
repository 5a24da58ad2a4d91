package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.Taint;
import java.util.List;

/**
 * kube-scheduler's NodeUnschedulable filter: a cordoned node ({@code spec.unschedulable}) takes
 * only pods that tolerate the taint {@code node.kubernetes.io/unschedulable:NoSchedule}, matched
 * with the ordinary toleration rules. Runs first, so a cordoned node is reported as such even when
 * it is also tainted or full.
 */
final class NodeUnschedulable {
    static final String NAME = "NodeUnschedulable";
    static final String REASON = "node(s) were unschedulable";
    private static final Taint UNSCHEDULABLE = new Taint("node.kubernetes.io/unschedulable", "", "NoSchedule");

    private NodeUnschedulable() {
    }

    private static final List<String> STATUS = List.of(REASON);
    private static final List<Reason> REASONS = List.of(new Reason(NAME, REASON + ": the node is cordoned"
            + " (spec.unschedulable) and the pod does not tolerate node.kubernetes.io/unschedulable:NoSchedule"));

    /** Adds the node's failure to {@code out} unless it passes. */
    static void check(PodQuery pod, IndexedNode node, Failures out) {
        if (!node.cordoned || TaintToleration.tolerated(pod.tolerations, UNSCHEDULABLE)) {
            return;
        }
        out.failed(NAME, STATUS, true);
        out.reasons(REASONS);
    }
}
