package io.gpuscale.adapter.cluster;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeSpec;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Cuts Kubernetes objects down to the records the adapter keeps. Pure: no I/O, and the given
 * objects are left as they were. A full {@code V1Pod} retains about 14 KB of heap; its records
 * a small fraction of that (reference/style-and-performance.md §(d)).
 */
public final class ClusterProjection {
    private ClusterProjection() {
    }

    public static PodRecord pod(V1Pod pod) {
        V1ObjectMeta meta = meta(pod.getMetadata());
        V1PodSpec spec = pod.getSpec();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return new PodRecord(meta.getNamespace(), meta.getName(), orEmpty(meta.getUid()), orEmpty(meta.getLabels()),
                spec == null ? "" : orEmpty(spec.getNodeName()), orEmpty(phase));
    }

    public static PodSchedulingRecord podScheduling(V1Pod pod) {
        V1ObjectMeta meta = meta(pod.getMetadata());
        V1PodSpec spec = pod.getSpec() == null ? new V1PodSpec() : pod.getSpec();
        return new PodSchedulingRecord(meta.getNamespace(), meta.getName(), orEmpty(spec.getNodeName()),
                orEmpty(spec.getSchedulerName()), spec.getPriority() == null ? 0 : spec.getPriority(),
                containers(spec.getContainers()), containers(spec.getInitContainers()), orEmpty(spec.getOverhead()),
                orEmpty(spec.getNodeSelector()),
                spec.getTolerations() == null ? List.of() : spec.getTolerations().stream()
                        .map(t -> new Toleration(orEmpty(t.getKey()), orEmpty(t.getOperator()), orEmpty(t.getValue()),
                                orEmpty(t.getEffect()), t.getTolerationSeconds()))
                        .toList(),
                spec.getAffinity() == null ? null : spec.getAffinity().getNodeAffinity(),
                pod.getStatus() == null ? "" : orEmpty(pod.getStatus().getPhase()),
                orEmpty(spec.getPriorityClassName()), spec.getActiveDeadlineSeconds(),
                spec.getResources() == null ? Map.of() : orEmpty(spec.getResources().getRequests()),
                spec.getResources() == null ? Map.of() : orEmpty(spec.getResources().getLimits()));
    }

    public static NodeRecord node(V1Node node) {
        V1ObjectMeta meta = node.getMetadata();
        return new NodeRecord(Objects.requireNonNull(meta, "metadata").getName(), orEmpty(meta.getLabels()));
    }

    public static NodeSchedulingRecord nodeScheduling(V1Node node) {
        V1ObjectMeta meta = Objects.requireNonNull(node.getMetadata(), "metadata");
        V1NodeSpec spec = node.getSpec() == null ? new V1NodeSpec() : node.getSpec();
        V1NodeStatus status = node.getStatus() == null ? new V1NodeStatus() : node.getStatus();
        return new NodeSchedulingRecord(meta.getName(), orEmpty(meta.getLabels()), orEmpty(status.getCapacity()),
                orEmpty(status.getAllocatable()),
                spec.getTaints() == null ? List.of() : spec.getTaints().stream()
                        .map(t -> new Taint(orEmpty(t.getKey()), orEmpty(t.getValue()), orEmpty(t.getEffect())))
                        .toList(),
                Boolean.TRUE.equals(spec.getUnschedulable()));
    }

    public static QuotaRecord quota(V1ResourceQuota quota) {
        V1ObjectMeta meta = meta(quota.getMetadata());
        return new QuotaRecord(meta.getNamespace(), meta.getName(),
                quota.getSpec() == null ? Map.of() : orEmpty(quota.getSpec().getHard()),
                quota.getStatus() == null ? Map.of() : orEmpty(quota.getStatus().getUsed()),
                quota.getSpec() == null || quota.getSpec().getScopes() == null ? List.of() : quota.getSpec().getScopes(),
                quota.getStatus() == null ? Map.of() : orEmpty(quota.getStatus().getHard()),
                quota.getSpec() == null || quota.getSpec().getScopeSelector() == null
                        || quota.getSpec().getScopeSelector().getMatchExpressions() == null ? List.of()
                        : quota.getSpec().getScopeSelector().getMatchExpressions().stream()
                                .map(r -> new QuotaRecord.ScopeRequirement(orEmpty(r.getScopeName()),
                                        orEmpty(r.getOperator()), r.getValues()))
                                .toList());
    }

    private static List<ContainerResources> containers(List<V1Container> containers) {
        if (containers == null) {
            return List.of();
        }
        return containers.stream().map(c -> {
            V1ResourceRequirements r = c.getResources();
            return new ContainerResources(c.getName(), r == null ? Map.of() : orEmpty(r.getRequests()),
                    r == null ? Map.of() : orEmpty(r.getLimits()), "Always".equals(c.getRestartPolicy()));
        }).toList();
    }

    private static V1ObjectMeta meta(V1ObjectMeta meta) {
        Objects.requireNonNull(meta, "metadata");
        Objects.requireNonNull(meta.getNamespace(), "metadata.namespace");
        Objects.requireNonNull(meta.getName(), "metadata.name");
        return meta;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static <V> Map<String, V> orEmpty(Map<String, V> m) {
        return m == null ? Map.of() : m;
    }
}
