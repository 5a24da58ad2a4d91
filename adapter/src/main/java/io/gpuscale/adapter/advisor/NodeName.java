package io.gpuscale.adapter.advisor;

import java.util.List;

/**
 * kube-scheduler's NodeName filter: a pod whose {@code spec.nodeName} is set fits only that node.
 */
final class NodeName {
    static final String NAME = "NodeName";
    static final String REASON = "node(s) didn't match the requested node name";

    static final List<String> STATUS = List.of(REASON);

    private NodeName() {
    }

    /** The pod's reasons on a node other than its {@code spec.nodeName}, made once per request. */
    static List<Reason> reasons(String wanted) {
        return List.of(new Reason(NAME, REASON + ": the pod's spec.nodeName is \"" + wanted + "\""));
    }

    /** Adds the node's failure to {@code out} unless it passes. */
    static void check(PodQuery pod, IndexedNode node, Failures out) {
        String wanted = pod.pod.nodeName();
        if (wanted.isEmpty() || wanted.equals(node.name)) {
            return;
        }
        out.failed(NAME, STATUS, true);
        out.reasons(pod.nodeNameReasons);
    }
}
