package io.gpuscale.adapter.store;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.metrics.ServedMetric;
import io.gpuscale.adapter.scrape.ScrapeIngest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The latest readings of every agent, in memory: one immutable {@link AgentSnapshot} per target,
 * replaced whole by that target's next scrape, found by node. Queries read without locks and cost
 * the size of their answer: a pod's readings come straight from its node's snapshot.
 *
 * <p>Keeps only what the metrics APIs serve: the per-GPU and per-pod series of
 * {@link ServedMetric} (unless told otherwise), the GPU models from {@code nvidia_gpu_info}, and
 * the agent's sample time. A target that stops answering keeps its last snapshot (callers judge
 * staleness by the readings' timestamps); one that leaves discovery is dropped.
 *
 * <p>Writes for one target must not race each other (the scraper never overlaps a target's scrapes).
 */
public final class MetricStore implements GpuMetrics, ScrapeIngest {
    private final Set<String> gpuSeries;
    private final Set<String> podSeries;
    /** Node → (target → snapshot); the inner maps are immutable and swapped whole. */
    private final ConcurrentHashMap<String, Map<String, AgentSnapshot>> byNode = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> nodeOfTarget = new ConcurrentHashMap<>();

    /** A store of the series {@link ServedMetric#all()} is computed from. */
    public MetricStore() {
        this(ServedMetric.all().stream().map(ServedMetric::gpuSeries).filter(Objects::nonNull).collect(Collectors.toSet()),
                ServedMetric.all().stream().map(ServedMetric::podSeries).filter(Objects::nonNull).collect(Collectors.toSet()));
    }

    /**
     * @param gpuSeries per-GPU series to keep, indexed by node and listed with their GPU's labels
     * @param podSeries per-pod series to keep, indexed by (namespace, pod)
     */
    public MetricStore(Set<String> gpuSeries, Set<String> podSeries) {
        this.gpuSeries = Set.copyOf(gpuSeries);
        this.podSeries = Set.copyOf(podSeries);
    }

    @Override
    public ScrapeBatch begin(String target, String node, long receivedAtMillis) {
        return new SnapshotBuilder(this, Objects.requireNonNull(target, "target"), node, receivedAtMillis, gpuSeries,
                podSeries);
    }

    /** Makes {@code snapshot} its target's data, replacing the target's previous snapshot. */
    public void put(AgentSnapshot snapshot) {
        String target = snapshot.target();
        String previousNode = nodeOfTarget.put(target, snapshot.node());
        if (previousNode != null && !previousNode.equals(snapshot.node())) {
            removeFromNode(previousNode, target);
        }
        byNode.compute(snapshot.node(), (node, targets) -> {
            if (targets == null || targets.isEmpty() || (targets.size() == 1 && targets.containsKey(target))) {
                return Map.of(target, snapshot);
            }
            Map<String, AgentSnapshot> copy = new HashMap<>(targets);
            copy.put(target, snapshot);
            return Map.copyOf(copy);
        });
    }

    /** Forgets a target and its readings. */
    public void remove(String target) {
        String node = nodeOfTarget.remove(target);
        if (node != null) {
            removeFromNode(node, target);
        }
    }

    @Override
    public void retainTargets(Set<String> targets) {
        for (String target : List.copyOf(nodeOfTarget.keySet())) {
            if (!targets.contains(target)) {
                remove(target);
            }
        }
    }

    /** The target's last snapshot. */
    public Optional<AgentSnapshot> snapshot(String target) {
        String node = nodeOfTarget.get(target);
        Map<String, AgentSnapshot> targets = node == null ? null : byNode.get(node);
        return Optional.ofNullable(targets == null ? null : targets.get(target));
    }

    /** Every target's last snapshot. */
    public List<AgentSnapshot> snapshots() {
        List<AgentSnapshot> all = new ArrayList<>();
        for (Map<String, AgentSnapshot> targets : byNode.values()) {
            all.addAll(targets.values());
        }
        return all;
    }

    @Override
    public List<Reading> pod(String metric, String node, String namespace, String pod) {
        Map<String, AgentSnapshot> targets = node == null ? null : byNode.get(node);
        if (targets == null) {
            return List.of();
        }
        if (targets.size() == 1) {
            return targets.values().iterator().next().pod(metric, namespace, pod);
        }
        List<Reading> readings = new ArrayList<>();
        for (AgentSnapshot s : targets.values()) {
            readings.addAll(s.pod(metric, namespace, pod));
        }
        return readings;
    }

    @Override
    public List<Reading> node(String metric, String node) {
        Map<String, AgentSnapshot> targets = node == null ? null : byNode.get(node);
        if (targets == null) {
            return List.of();
        }
        if (targets.size() == 1) {
            return targets.values().iterator().next().node(metric);
        }
        List<Reading> readings = new ArrayList<>();
        for (AgentSnapshot s : targets.values()) {
            readings.addAll(s.node(metric));
        }
        return readings;
    }

    @Override
    public List<GpuReading> gpus(String metric) {
        List<GpuReading> readings = new ArrayList<>();
        for (Map<String, AgentSnapshot> targets : byNode.values()) {
            for (AgentSnapshot s : targets.values()) {
                s.addGpus(metric, readings);
            }
        }
        return readings;
    }

    private void removeFromNode(String node, String target) {
        byNode.computeIfPresent(node, (n, targets) -> {
            if (!targets.containsKey(target)) {
                return targets;
            }
            if (targets.size() == 1) {
                return null;
            }
            Map<String, AgentSnapshot> copy = new HashMap<>(targets);
            copy.remove(target);
            return Map.copyOf(copy);
        });
    }

    /** Targets with data, for health reporting. */
    public Collection<String> targets() {
        return List.copyOf(nodeOfTarget.keySet());
    }
}
