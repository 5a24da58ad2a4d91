package io.gpuscale.adapter.advisor;

/**
 * kube-scheduler's NodeName filter: a pod whose {@code spec.nodeName} is set fits only that node.
 */
final class NodeName {
    static final String NAME = "NodeName";
    static final String REASON = "node(s) didn't match the requested node name";

    private NodeName() {
    }

    /** Null when the node passes. */
    static Failure check(PodQuery pod, IndexedNode node) {
        String wanted = pod.pod.nodeName();
        if (wanted.isEmpty() || wanted.equals(node.name)) {
            return null;
        }
        return Failure.of(NAME, REASON, REASON + ": the pod's spec.nodeName is \"" + wanted + "\"", true);
    }
}
