package io.gpuscale.adapter.cluster;

import io.kubernetes.client.custom.Quantity;
import java.util.List;
import java.util.Map;

/**
 * What a scheduler check needs of a node.
 *
 * @param name the node's name
 * @param labels its labels ({@code nodeSelector} and node affinity match these)
 * @param capacity {@code status.capacity}
 * @param allocatable {@code status.allocatable}: what pods' requests are fitted against
 * @param taints {@code spec.taints}
 * @param unschedulable {@code spec.unschedulable} (cordoned)
 */
public record NodeSchedulingRecord(String name, Map<String, String> labels, Map<String, Quantity> capacity,
        Map<String, Quantity> allocatable, List<Taint> taints, boolean unschedulable) {
    public NodeSchedulingRecord {
        labels = Map.copyOf(labels);
        capacity = Map.copyOf(capacity);
        allocatable = Map.copyOf(allocatable);
        taints = List.copyOf(taints);
    }
}
