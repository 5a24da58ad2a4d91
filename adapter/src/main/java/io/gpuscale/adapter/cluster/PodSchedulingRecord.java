package io.gpuscale.adapter.cluster;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import java.util.List;
import java.util.Map;

/**
 * What a scheduler check needs of a pod's spec, and nothing else: requests and limits of every
 * container (init containers apart), overhead, node selection and priority.
 *
 * <p>{@code nodeAffinity} is the client's own model object, kept as decoded: it is small, usually
 * absent, and kube-scheduler's matching rules are written against exactly that shape.
 *
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param nodeName {@code spec.nodeName}, or empty while unscheduled
 * @param schedulerName {@code spec.schedulerName}, or empty for the default scheduler
 * @param priority {@code spec.priority}, 0 when absent
 * @param containers the regular containers
 * @param initContainers the init containers, in order (sidecars flagged)
 * @param overhead {@code spec.overhead} (from the RuntimeClass)
 * @param nodeSelector {@code spec.nodeSelector}
 * @param tolerations {@code spec.tolerations}
 * @param nodeAffinity {@code spec.affinity.nodeAffinity}, or null
 */
public record PodSchedulingRecord(String namespace, String name, String nodeName, String schedulerName, int priority,
        List<ContainerResources> containers, List<ContainerResources> initContainers, Map<String, Quantity> overhead,
        Map<String, String> nodeSelector, List<Toleration> tolerations, V1NodeAffinity nodeAffinity) {
    public PodSchedulingRecord {
        containers = List.copyOf(containers);
        initContainers = List.copyOf(initContainers);
        overhead = Map.copyOf(overhead);
        nodeSelector = Map.copyOf(nodeSelector);
        tolerations = List.copyOf(tolerations);
    }
}
