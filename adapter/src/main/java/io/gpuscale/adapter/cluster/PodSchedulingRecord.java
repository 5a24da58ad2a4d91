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
 * @param phase {@code status.phase}, or empty: Succeeded and Failed pods hold no resources
 * @param priorityClassName {@code spec.priorityClassName}, or empty (quota scope PriorityClass)
 * @param activeDeadlineSeconds {@code spec.activeDeadlineSeconds}, or null (quota scopes
 *     Terminating and NotTerminating)
 * @param podRequests pod-level {@code spec.resources.requests} (PodLevelResources), or empty
 * @param podLimits pod-level {@code spec.resources.limits}, or empty
 */
public record PodSchedulingRecord(String namespace, String name, String nodeName, String schedulerName, int priority,
        List<ContainerResources> containers, List<ContainerResources> initContainers, Map<String, Quantity> overhead,
        Map<String, String> nodeSelector, List<Toleration> tolerations, V1NodeAffinity nodeAffinity, String phase,
        String priorityClassName, Long activeDeadlineSeconds, Map<String, Quantity> podRequests,
        Map<String, Quantity> podLimits) {
    public PodSchedulingRecord {
        containers = List.copyOf(containers);
        initContainers = List.copyOf(initContainers);
        overhead = Map.copyOf(overhead);
        nodeSelector = Map.copyOf(nodeSelector);
        tolerations = List.copyOf(tolerations);
        phase = phase == null ? "" : phase;
        priorityClassName = priorityClassName == null ? "" : priorityClassName;
        podRequests = Map.copyOf(podRequests);
        podLimits = Map.copyOf(podLimits);
    }

    /** A pod with no phase, priority class, deadline or pod-level resources. */
    public PodSchedulingRecord(String namespace, String name, String nodeName, String schedulerName, int priority,
            List<ContainerResources> containers, List<ContainerResources> initContainers,
            Map<String, Quantity> overhead, Map<String, String> nodeSelector, List<Toleration> tolerations,
            V1NodeAffinity nodeAffinity) {
        this(namespace, name, nodeName, schedulerName, priority, containers, initContainers, overhead, nodeSelector,
                tolerations, nodeAffinity, "", "", null, Map.of(), Map.of());
    }

    /** Whether the pod has finished for good: kube-scheduler's cache and quota's {@code pods} leave it out. */
    public boolean terminal() {
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
