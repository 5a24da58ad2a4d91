package io.gpuscale.adapter.cluster;

import java.util.List;
import java.util.Optional;

/**
 * A {@link ClusterView} that also knows what the placement advisor needs: pod specs as far as
 * scheduling goes, node capacity and taints, and ResourceQuotas.
 */
public interface SchedulingView extends ClusterView {

    /** Every pod's scheduling spec, by namespace then name. */
    List<PodSchedulingRecord> schedulingPods();

    Optional<PodSchedulingRecord> schedulingPod(String namespace, String name);

    /** Every node's capacity, labels and taints, in name order. */
    List<NodeSchedulingRecord> schedulingNodes();

    Optional<NodeSchedulingRecord> schedulingNode(String name);

    /** The ResourceQuotas of a namespace, in name order. */
    List<QuotaRecord> quotas(String namespace);

    /** Every ResourceQuota, by namespace then name. */
    List<QuotaRecord> allQuotas();

    /**
     * Tells {@code listener} of every node, pod and quota there is now and, for a view that
     * changes, of every change after that until the subscription is closed. This default, for
     * views that never change, replays the current records once, on the caller's thread.
     */
    default Subscription subscribe(SchedulingListener listener) {
        schedulingNodes().forEach(listener::nodeChanged);
        schedulingPods().forEach(listener::podChanged);
        allQuotas().forEach(listener::quotaChanged);
        return () -> {
        };
    }

    /** Stops a {@link #subscribe} listener from being called. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
