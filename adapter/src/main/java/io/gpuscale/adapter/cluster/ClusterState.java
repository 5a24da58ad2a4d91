package io.gpuscale.adapter.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable, indexed copy of the cluster's records: what both views answer from. Built once
 * per change, read without locks.
 */
final class ClusterState {
    /** A pod's two records, kept together. */
    record PodEntry(PodRecord pod, PodSchedulingRecord scheduling) {
    }

    /** A node's two records, kept together. */
    record NodeEntry(NodeRecord node, NodeSchedulingRecord scheduling) {
    }

    private static final Comparator<PodEntry> POD_ORDER = Comparator
            .comparing((PodEntry e) -> e.pod().namespace()).thenComparing(e -> e.pod().name());

    static final ClusterState EMPTY = of(List.of(), List.of(), List.of());

    /** Per namespace, its pods in name order; the scheduling records at the same positions. */
    private final Map<String, List<PodRecord>> podsByNamespace;
    private final Map<String, List<PodSchedulingRecord>> schedulingByNamespace;
    private final List<PodSchedulingRecord> schedulingPods;
    private final List<NodeRecord> nodes;
    private final List<NodeSchedulingRecord> schedulingNodes;
    private final Map<String, NodeEntry> nodesByName;
    private final Map<String, List<QuotaRecord>> quotasByNamespace;
    private final List<QuotaRecord> allQuotas;

    private ClusterState(Collection<PodEntry> pods, Collection<NodeEntry> nodes, Collection<QuotaRecord> quotas) {
        List<PodEntry> sortedPods = pods.stream().sorted(POD_ORDER).toList();
        Map<String, List<PodRecord>> byNamespace = new HashMap<>();
        Map<String, List<PodSchedulingRecord>> schedulingBy = new HashMap<>();
        for (PodEntry e : sortedPods) {
            byNamespace.computeIfAbsent(e.pod().namespace(), ns -> new ArrayList<>()).add(e.pod());
            schedulingBy.computeIfAbsent(e.pod().namespace(), ns -> new ArrayList<>()).add(e.scheduling());
        }
        byNamespace.replaceAll((ns, list) -> List.copyOf(list));
        schedulingBy.replaceAll((ns, list) -> List.copyOf(list));
        this.podsByNamespace = Map.copyOf(byNamespace);
        this.schedulingByNamespace = Map.copyOf(schedulingBy);
        this.schedulingPods = sortedPods.stream().map(PodEntry::scheduling).toList();
        List<NodeEntry> sortedNodes = nodes.stream().sorted(Comparator.comparing(e -> e.node().name())).toList();
        this.nodes = sortedNodes.stream().map(NodeEntry::node).toList();
        this.schedulingNodes = sortedNodes.stream().map(NodeEntry::scheduling).toList();
        Map<String, NodeEntry> byName = new HashMap<>();
        sortedNodes.forEach(e -> byName.put(e.node().name(), e));
        this.nodesByName = Map.copyOf(byName);
        Map<String, List<QuotaRecord>> quotaMap = new HashMap<>();
        quotas.stream().sorted(Comparator.comparing(QuotaRecord::name))
                .forEach(q -> quotaMap.computeIfAbsent(q.namespace(), ns -> new ArrayList<>()).add(q));
        quotaMap.replaceAll((ns, list) -> List.copyOf(list));
        this.quotasByNamespace = Map.copyOf(quotaMap);
        this.allQuotas = quotas.stream()
                .sorted(Comparator.comparing(QuotaRecord::namespace).thenComparing(QuotaRecord::name)).toList();
    }

    static ClusterState of(Collection<PodEntry> pods, Collection<NodeEntry> nodes, Collection<QuotaRecord> quotas) {
        return new ClusterState(pods, nodes, quotas);
    }

    List<PodRecord> pods(String namespace) {
        return podsByNamespace.getOrDefault(namespace, List.of());
    }

    Optional<PodRecord> pod(String namespace, String name) {
        int i = find(namespace, name);
        return i < 0 ? Optional.empty() : Optional.of(podsByNamespace.get(namespace).get(i));
    }

    /** The position of a pod in its namespace's list (binary search by name), or -1. */
    private int find(String namespace, String name) {
        List<PodRecord> pods = podsByNamespace.get(namespace);
        if (pods == null || name == null) {
            return -1;
        }
        int lo = 0;
        int hi = pods.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = pods.get(mid).name().compareTo(name);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    List<PodSchedulingRecord> schedulingPods() {
        return schedulingPods;
    }

    Optional<PodSchedulingRecord> schedulingPod(String namespace, String name) {
        int i = find(namespace, name);
        return i < 0 ? Optional.empty() : Optional.of(schedulingByNamespace.get(namespace).get(i));
    }

    List<NodeRecord> nodes() {
        return nodes;
    }

    Optional<NodeRecord> node(String name) {
        return Optional.ofNullable(nodesByName.get(name)).map(NodeEntry::node);
    }

    List<NodeSchedulingRecord> schedulingNodes() {
        return schedulingNodes;
    }

    Optional<NodeSchedulingRecord> schedulingNode(String name) {
        return Optional.ofNullable(nodesByName.get(name)).map(NodeEntry::scheduling);
    }

    List<QuotaRecord> quotas(String namespace) {
        return quotasByNamespace.getOrDefault(namespace, List.of());
    }

    List<QuotaRecord> allQuotas() {
        return allQuotas;
    }
}
