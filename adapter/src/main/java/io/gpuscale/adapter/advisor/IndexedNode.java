package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.kubernetes.client.custom.Quantity;
import java.util.Map;

/**
 * A node as the filters read it, precomputed once per node event: allocatable as a canonical
 * vector, its taints as a shared {@link NodeTaints}, its labels as numbers of the index's
 * {@link LabelDictionary}, and a link to the running sums of the pods bound to it. The fields the
 * per-node loop reads for every node ({@link #cordoned}, {@link #taints}, {@link #labelIds}) sit
 * here so that a node that passes costs few memory reads.
 */
final class IndexedNode {
    final NodeSchedulingRecord record;
    final String name;
    final Map<String, String> labels;
    /**
     * The labels by key number of the index's {@link LabelDictionary}, value number or
     * {@link LabelDictionary#ABSENT}; null for a node outside the index (one an extender sent
     * whole), which NodeAffinity matches by its label map instead.
     */
    final int[] labelIds;
    /** {@code spec.unschedulable}. */
    final boolean cordoned;
    final long[] allocatable;
    final long allowedPods;
    final NodeTaints taints;
    final NodeUsage usage;
    /** This node's load in the last GPU-load snapshot a request scored it with; written by readers, see {@link GpuLoads}. */
    GpuLoads.Remembered gpuLoad;

    /** A node of the index, with its label numbers and its shared taints. */
    IndexedNode(NodeSchedulingRecord record, ResourceSlots slots, NodeUsage usage, int[] labelIds, NodeTaints taints) {
        this.record = record;
        this.name = record.name();
        this.labels = record.labels();
        this.labelIds = labelIds;
        this.cordoned = record.unschedulable();
        this.allocatable = slots.vector(record.allocatable());
        Quantity pods = record.allocatable().get(ResourceNames.PODS);
        this.allowedPods = pods == null ? 0 : ResourceNames.canonical(ResourceNames.PODS, pods);
        this.taints = taints;
        this.usage = usage;
    }

    /** A node outside the index (an extender's node object), matched by its label map. */
    IndexedNode(NodeSchedulingRecord record, ResourceSlots slots, NodeUsage usage) {
        this(record, slots, usage, null, new NodeTaints(record.taints(), -1));
    }

    /** The running sums of the non-terminal pods bound to one node; changed only under the index's write lock. */
    static final class NodeUsage {
        long[] requested = new long[0];
        int pods;

        void add(long[] request, int sign) {
            if (request.length > requested.length) {
                requested = java.util.Arrays.copyOf(requested, request.length);
            }
            for (int i = 0; i < request.length; i++) {
                requested[i] += sign * request[i];
            }
            pods += sign;
        }

        boolean empty() {
            if (pods != 0) {
                return false;
            }
            for (long v : requested) {
                if (v != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
