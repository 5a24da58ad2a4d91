package io.gpuscale.adapter.cluster;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeSpec;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.util.HashMap;
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
        return new PodRecord(shared(meta.getNamespace()), meta.getName(), orEmpty(meta.getUid()),
                labels(meta.getLabels()), spec == null ? "" : shared(orEmpty(spec.getNodeName())), shared(orEmpty(phase)));
    }

    public static PodSchedulingRecord podScheduling(V1Pod pod) {
        V1ObjectMeta meta = meta(pod.getMetadata());
        V1PodSpec spec = pod.getSpec() == null ? new V1PodSpec() : pod.getSpec();
        return new PodSchedulingRecord(shared(meta.getNamespace()), meta.getName(), shared(orEmpty(spec.getNodeName())),
                shared(orEmpty(spec.getSchedulerName())), spec.getPriority() == null ? 0 : spec.getPriority(),
                containers(spec.getContainers()), containers(spec.getInitContainers()), quantities(spec.getOverhead()),
                labels(spec.getNodeSelector()),
                spec.getTolerations() == null ? List.of() : Canonical.value(List.copyOf(spec.getTolerations().stream()
                        .map(t -> Canonical.value(new Toleration(shared(orEmpty(t.getKey())),
                                shared(orEmpty(t.getOperator())), shared(orEmpty(t.getValue())),
                                shared(orEmpty(t.getEffect())), t.getTolerationSeconds())))
                        .toList())),
                spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null ? null
                        : Canonical.value(spec.getAffinity().getNodeAffinity()),
                pod.getStatus() == null ? "" : shared(orEmpty(pod.getStatus().getPhase())),
                shared(orEmpty(spec.getPriorityClassName())), spec.getActiveDeadlineSeconds(),
                spec.getResources() == null ? Map.of() : quantities(spec.getResources().getRequests()),
                spec.getResources() == null ? Map.of() : quantities(spec.getResources().getLimits()));
    }

    public static NodeRecord node(V1Node node) {
        V1ObjectMeta meta = node.getMetadata();
        return new NodeRecord(shared(Objects.requireNonNull(meta, "metadata").getName()), labels(meta.getLabels()));
    }

    public static NodeSchedulingRecord nodeScheduling(V1Node node) {
        V1ObjectMeta meta = Objects.requireNonNull(node.getMetadata(), "metadata");
        V1NodeSpec spec = node.getSpec() == null ? new V1NodeSpec() : node.getSpec();
        V1NodeStatus status = node.getStatus() == null ? new V1NodeStatus() : node.getStatus();
        return new NodeSchedulingRecord(shared(meta.getName()), labels(meta.getLabels()),
                quantities(status.getCapacity()), quantities(status.getAllocatable()),
                spec.getTaints() == null ? List.of() : Canonical.value(List.copyOf(spec.getTaints().stream()
                        .map(t -> new Taint(shared(orEmpty(t.getKey())), shared(orEmpty(t.getValue())),
                                shared(orEmpty(t.getEffect()))))
                        .toList())),
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
        List<ContainerResources> out = containers.stream().map(c -> {
            V1ResourceRequirements r = c.getResources();
            ContainerResources resources = new ContainerResources(shared(c.getName()),
                    r == null ? Map.of() : quantities(r.getRequests()), r == null ? Map.of() : quantities(r.getLimits()),
                    "Always".equals(c.getRestartPolicy()));
            // The maps are shared instances already: compare them by identity, not by Quantity.equals.
            return Canonical.value(List.of(resources.name(), Canonical.same(resources.requests()),
                    Canonical.same(resources.limits()), resources.sidecar()), resources);
        }).toList();
        // List.copyOf: the records copy any list that may hold nulls (as Stream.toList's may), which
        // would undo the sharing; a List.copyOf list they keep as it is.
        return Canonical.value(out.stream().map(Canonical::same).toList(), List.copyOf(out));
    }

    private static V1ObjectMeta meta(V1ObjectMeta meta) {
        Objects.requireNonNull(meta, "metadata");
        Objects.requireNonNull(meta.getNamespace(), "metadata.namespace");
        Objects.requireNonNull(meta.getName(), "metadata.name");
        return meta;
    }

    /** Labels (or a node selector) with shared keys and values, as one shared map. */
    private static Map<String, String> labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>(2 * labels.size());
        labels.forEach((k, v) -> out.put(shared(k), shared(v)));
        return Canonical.value(Map.copyOf(out));
    }

    /** Resources with shared names and quantities, as one shared map. */
    private static Map<String, Quantity> quantities(Map<String, Quantity> resources) {
        if (resources == null || resources.isEmpty()) {
            return Map.of();
        }
        Map<String, Quantity> out = new HashMap<>(2 * resources.size());
        Map<String, Object> exact = new HashMap<>(2 * resources.size());
        resources.forEach((k, v) -> {
            // Quantity.equals compares amounts only; shared quantities must also read the same.
            List<Object> key = v == null ? List.of() : List.of(v.getNumber(), v.getFormat());
            out.put(shared(k), v == null ? null : Canonical.value(key, v));
            exact.put(k, key);
        });
        return Canonical.value(exact, Map.copyOf(out));
    }

    private static String shared(String s) {
        return Canonical.string(s);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static <V> Map<String, V> orEmpty(Map<String, V> m) {
        return m == null ? Map.of() : m;
    }
}
