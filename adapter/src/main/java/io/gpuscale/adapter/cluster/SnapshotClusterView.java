package io.gpuscale.adapter.cluster;

import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster as a file describes it ({@code --cluster FILE}): for offline use, the demo and
 * tests. The file is a {@code v1 List} of Nodes, Pods and ResourceQuotas in YAML or JSON (or a
 * multi-document YAML stream of them), as {@code kubectl get nodes,pods,resourcequotas -A -o yaml}
 * writes it; see {@link #load(Path)}. Always ready; never changes.
 *
 * <p>Beyond the records, the decoded objects themselves are available ({@link #v1Pods()} and
 * the like) for checks that need more of a spec than the records carry. They are shared: do
 * not modify them.
 */
public final class SnapshotClusterView implements SchedulingView {
    private static final Comparator<V1Pod> POD_ORDER = Comparator
            .comparing((V1Pod p) -> p.getMetadata().getNamespace()).thenComparing(p -> p.getMetadata().getName());

    private final Path source;
    private final ClusterRecords state = new ClusterRecords();
    private final List<V1Pod> v1Pods;
    private final List<V1Node> v1Nodes;
    private final List<V1ResourceQuota> v1Quotas;

    private SnapshotClusterView(Path source, ClusterFile.Contents contents) {
        this.source = source;
        this.v1Pods = contents.pods().stream().sorted(POD_ORDER).toList();
        this.v1Nodes = contents.nodes().stream()
                .sorted(Comparator.comparing((V1Node n) -> n.getMetadata().getName())).toList();
        this.v1Quotas = contents.quotas().stream()
                .sorted(Comparator.comparing((V1ResourceQuota q) -> q.getMetadata().getNamespace())
                        .thenComparing(q -> q.getMetadata().getName()))
                .toList();
        // the same records, filled the way informer events fill a live view's
        v1Nodes.forEach(n -> state.putNode(new ClusterRecords.NodeEntry(ClusterProjection.node(n),
                ClusterProjection.nodeScheduling(n))));
        v1Pods.forEach(p -> state.putPod(new ClusterRecords.PodEntry(ClusterProjection.pod(p),
                ClusterProjection.podScheduling(p))));
        v1Quotas.forEach(q -> state.putQuota(ClusterProjection.quota(q)));
    }

    /**
     * Reads and checks a snapshot file.
     *
     * @throws ClusterFileException with one line naming the file and the problem: unreadable,
     *     a YAML or JSON syntax error (with its line), an unknown kind, a missing name, a field
     *     the Kubernetes API does not have, or two objects of the same kind and name
     */
    public static SnapshotClusterView load(Path file) {
        return checked(file, ClusterFile.read(file));
    }

    /** As {@link #load(Path)}, from text already read; {@code name} stands for the file in messages. */
    public static SnapshotClusterView parse(Path name, String text) {
        return checked(name, ClusterFile.parse(name, text));
    }

    private static SnapshotClusterView checked(Path file, ClusterFile.Contents contents) {
        unique(file, "Node", contents.nodes().stream().map(n -> n.getMetadata().getName()).toList());
        unique(file, "Pod", contents.pods().stream()
                .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()).toList());
        unique(file, "ResourceQuota", contents.quotas().stream()
                .map(q -> q.getMetadata().getNamespace() + "/" + q.getMetadata().getName()).toList());
        return new SnapshotClusterView(file, contents);
    }

    private static void unique(Path file, String kind, List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new ClusterFileException(file, "two objects are " + kind + " " + name);
            }
        }
    }

    /** The file this view was read from. */
    public Path source() {
        return source;
    }

    @Override
    public List<PodRecord> pods(String namespace) {
        return state.pods(namespace);
    }

    @Override
    public Optional<PodRecord> pod(String namespace, String name) {
        return state.pod(namespace, name);
    }

    @Override
    public List<NodeRecord> nodes() {
        return state.nodes();
    }

    @Override
    public Optional<NodeRecord> node(String name) {
        return state.node(name);
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public List<PodSchedulingRecord> schedulingPods() {
        return state.schedulingPods();
    }

    @Override
    public Optional<PodSchedulingRecord> schedulingPod(String namespace, String name) {
        return state.schedulingPod(namespace, name);
    }

    @Override
    public List<NodeSchedulingRecord> schedulingNodes() {
        return state.schedulingNodes();
    }

    @Override
    public Optional<NodeSchedulingRecord> schedulingNode(String name) {
        return state.schedulingNode(name);
    }

    @Override
    public List<QuotaRecord> quotas(String namespace) {
        return state.quotas(namespace);
    }

    @Override
    public List<QuotaRecord> allQuotas() {
        return state.allQuotas();
    }

    /** Replays the records once, on the caller's thread: a snapshot never changes. */
    @Override
    public Subscription subscribe(SchedulingListener listener) {
        state.subscribe(listener).close();
        return () -> {
        };
    }

    /** Every pod as decoded, by namespace then name. */
    public List<V1Pod> v1Pods() {
        return v1Pods;
    }

    public Optional<V1Pod> v1Pod(String namespace, String name) {
        return v1Pods.stream().filter(p -> p.getMetadata().getNamespace().equals(namespace)
                && p.getMetadata().getName().equals(name)).findFirst();
    }

    /** Every node as decoded, in name order. */
    public List<V1Node> v1Nodes() {
        return v1Nodes;
    }

    public Optional<V1Node> v1Node(String name) {
        return v1Nodes.stream().filter(n -> n.getMetadata().getName().equals(name)).findFirst();
    }

    /** Every ResourceQuota as decoded, by namespace then name. */
    public List<V1ResourceQuota> v1ResourceQuotas() {
        return v1Quotas;
    }

    public List<V1ResourceQuota> v1ResourceQuotas(String namespace) {
        return v1Quotas.stream().filter(q -> q.getMetadata().getNamespace().equals(namespace)).toList();
    }
}
