package io.gpuscale.adapter.api;

import io.gpuscale.adapter.cluster.ClusterView;
import io.gpuscale.adapter.cluster.NodeRecord;
import io.gpuscale.adapter.cluster.PodRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link ClusterView}. */
final class FakeClusterView implements ClusterView {
    private final List<PodRecord> pods = new CopyOnWriteArrayList<>();
    private final List<NodeRecord> nodes = new CopyOnWriteArrayList<>();
    volatile boolean ready = true;

    FakeClusterView pod(String namespace, String name, String node, Map<String, String> labels) {
        pods.add(new PodRecord(namespace, name, "uid-" + name, labels, node, "Running"));
        return this;
    }

    FakeClusterView node(String name, Map<String, String> labels) {
        nodes.add(new NodeRecord(name, labels));
        return this;
    }

    @Override
    public List<PodRecord> pods(String namespace) {
        return pods.stream().filter(p -> p.namespace().equals(namespace))
                .sorted(Comparator.comparing(PodRecord::name)).toList();
    }

    @Override
    public Optional<PodRecord> pod(String namespace, String name) {
        return pods.stream().filter(p -> p.namespace().equals(namespace) && p.name().equals(name)).findFirst();
    }

    @Override
    public List<NodeRecord> nodes() {
        return nodes.stream().sorted(Comparator.comparing(NodeRecord::name)).toList();
    }

    @Override
    public Optional<NodeRecord> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    @Override
    public boolean ready() {
        return ready;
    }
}
