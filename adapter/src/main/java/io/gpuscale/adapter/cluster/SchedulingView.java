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
}
