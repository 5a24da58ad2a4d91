package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.Taint;
import io.kubernetes.client.custom.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A node as the filters read it, precomputed once per node event: allocatable as a canonical
 * vector, the taints that filter apart from those that only score, and a link to the running sums
 * of the pods bound to it.
 */
final class IndexedNode {
    final NodeSchedulingRecord record;
    final String name;
    final Map<String, String> labels;
    final long[] allocatable;
    final long allowedPods;
    /** NoSchedule and NoExecute taints, in spec order: TaintToleration's filter walks these. */
    final Taint[] filterTaints;
    /** PreferNoSchedule taints: only TaintToleration's score counts these. */
    final Taint[] preferTaints;
    final NodeUsage usage;
    /**
     * Per filter taint, the strings an explanation needs, made once per node event so that a
     * request builds none: {@code [0]} our detail ("untolerated taint k=v:NoSchedule"), then
     * kube-scheduler's reason as each wording era writes it ({@link TaintToleration#WORDINGS}).
     */
    final String[][] taintTexts;
    /** Per filter taint, our detail as a reason alone in its list: what a node failing on that taint only reports. */
    final List<Reason>[] taintReasons;
    /** Per filter taint and wording era, kube-scheduler's status reasons for it, as a shared list. */
    final List<String>[][] taintStatus;

    IndexedNode(NodeSchedulingRecord record, ResourceSlots slots, NodeUsage usage) {
        this.record = record;
        this.name = record.name();
        this.labels = record.labels();
        this.allocatable = slots.vector(record.allocatable());
        Quantity pods = record.allocatable().get(ResourceNames.PODS);
        this.allowedPods = pods == null ? 0 : ResourceNames.canonical(ResourceNames.PODS, pods);
        List<Taint> filter = new ArrayList<>();
        List<Taint> prefer = new ArrayList<>();
        for (Taint t : record.taints()) {
            if ("NoSchedule".equals(t.effect()) || "NoExecute".equals(t.effect())) {
                filter.add(t);
            } else if ("PreferNoSchedule".equals(t.effect())) {
                prefer.add(t);
            }
        }
        this.filterTaints = filter.toArray(Taint[]::new);
        this.taintTexts = new String[filterTaints.length][];
        @SuppressWarnings("unchecked")
        List<Reason>[] reasons = new List[filterTaints.length];
        @SuppressWarnings("unchecked")
        List<String>[][] status = new List[filterTaints.length][TaintToleration.WORDINGS];
        for (int i = 0; i < filterTaints.length; i++) {
            taintTexts[i] = TaintToleration.texts(filterTaints[i]);
            reasons[i] = List.of(new Reason(TaintToleration.NAME, taintTexts[i][0]));
            for (int w = 0; w < TaintToleration.WORDINGS; w++) {
                status[i][w] = List.of(taintTexts[i][1 + w]);
            }
        }
        this.taintReasons = reasons;
        this.taintStatus = status;
        this.preferTaints = prefer.toArray(Taint[]::new);
        this.usage = usage;
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
