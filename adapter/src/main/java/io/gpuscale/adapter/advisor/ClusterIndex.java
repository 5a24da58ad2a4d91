package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.QuotaRecord;
import io.gpuscale.adapter.cluster.SchedulingListener;
import io.gpuscale.adapter.cluster.SchedulingView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The cluster as the placement advisor reads it, kept up to date one event at a time and never
 * rebuilt per request: per node its allocatable vector, taints, labels and the running sums of
 * the requests of the pods bound to it (in {@link ResourceSlots}' canonical units), plus the
 * ResourceQuotas by namespace. Node labels are kept as numbers ({@link LabelDictionary}) and taint
 * lists as shared, numbered values ({@link TaintSets}), so that a request compiles the pod's node
 * affinity and decides its tolerations once, then reads arrays per node.
 *
 * <p>It follows a {@link SchedulingView}'s change stream ({@link #of}): the view holds the records,
 * this index only what the advisor derives from them, and neither is rebuilt whole after an event.
 *
 * <p>A pod counts against its node while it is bound ({@code spec.nodeName} set) and not
 * terminal: the scheduler's cache holds Pending-but-bound and terminating pods, never Succeeded or
 * Failed ones. A pod may be bound to a node the index has not seen yet; its usage is kept and
 * found when the node arrives.
 *
 * <p>Thread-safe: events take a write lock for a few microseconds; an explanation reads under the
 * read lock, so it sees one consistent state.
 */
public final class ClusterIndex implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final ResourceSlots slots = new ResourceSlots();
    /** By name: explanations list nodes in name order, so reading in that order saves a sort per request. */
    private final TreeMap<String, IndexedNode> nodesByName = new TreeMap<>();
    /**
     * The same nodes as an array in name order, for the per-request loop (an array walks several
     * times faster than a TreeMap's entries). Replaced in place when a node changes, rebuilt when
     * one comes or goes, which is rare.
     */
    private IndexedNode[] inOrder = new IndexedNode[0];
    /** The nodes' label keys and values, numbered: NodeAffinity is compiled against these per request. */
    final LabelDictionary labels = new LabelDictionary();
    /** The nodes' distinct taint lists, numbered: TaintToleration decides once per list per request. */
    final TaintSets taintSets = new TaintSets();
    private final Map<String, IndexedNode.NodeUsage> usageByNode = new HashMap<>();
    private final Map<String, PodCharge> pods = new HashMap<>();
    private final Map<String, TreeMap<String, QuotaRecord>> quotas = new HashMap<>();
    private volatile SchedulingView.Subscription subscription;

    /** What one pod adds to its node. */
    private record PodCharge(String node, long[] request) {
    }

    /** An empty index; feed it with the upsert and remove methods. */
    public ClusterIndex() {
    }

    /**
     * An index that follows {@code view}: it is told of everything the view holds now and, for a
     * live view (informers), of every change after, until {@link #close()}.
     */
    public static ClusterIndex of(SchedulingView view) {
        ClusterIndex index = new ClusterIndex();
        index.subscription = view.subscribe(index.listener());
        return index;
    }

    /** Stops following the view (if any); the index keeps what it has. */
    @Override
    public void close() {
        SchedulingView.Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }

    public void upsertNode(NodeSchedulingRecord n) {
        Objects.requireNonNull(n, "node");
        write(() -> {
            IndexedNode old = nodesByName.get(n.name());
            if (old != null && old.record.equals(n)) {
                return; // a status-only update (heartbeat, conditions): nothing the advisor reads changed
            }
            IndexedNode.NodeUsage usage = usageByNode.computeIfAbsent(n.name(), k -> new IndexedNode.NodeUsage());
            // the new node's numbers first: labels and taints it shares with the old are not freed and renumbered
            IndexedNode node = new IndexedNode(n, slots, usage, labels.add(n.labels()), taintSets.add(n.taints()));
            nodesByName.put(n.name(), node);
            if (old != null) {
                forget(old);
                inOrder[positionOf(n.name())] = node;
            } else {
                inOrder = nodesByName.values().toArray(IndexedNode[]::new);
            }
        });
    }

    public void removeNode(String name) {
        write(() -> {
            IndexedNode old = nodesByName.remove(name);
            if (old == null) {
                return;
            }
            forget(old);
            inOrder = nodesByName.values().toArray(IndexedNode[]::new);
            IndexedNode.NodeUsage usage = usageByNode.get(name);
            if (usage != null && usage.empty()) {
                usageByNode.remove(name);
            }
        });
    }

    /** Adds or replaces a pod; a bound, non-terminal pod adds its effective request and 1 to its node's pod count. */
    public void upsertPod(PodSchedulingRecord p) {
        Objects.requireNonNull(p, "pod");
        boolean charged = !p.nodeName().isEmpty() && !p.terminal();
        long[] request = charged ? slots.vector(PodResources.requests(p)) : null;
        String key = key(p.namespace(), p.name());
        write(() -> {
            uncharge(pods.remove(key));
            if (charged) {
                PodCharge charge = new PodCharge(p.nodeName(), request);
                pods.put(key, charge);
                usageByNode.computeIfAbsent(charge.node(), k -> new IndexedNode.NodeUsage()).add(request, 1);
            }
        });
    }

    public void removePod(String namespace, String name) {
        String key = key(namespace, name);
        write(() -> uncharge(pods.remove(key)));
    }

    public void upsertQuota(QuotaRecord q) {
        Objects.requireNonNull(q, "quota");
        write(() -> quotas.computeIfAbsent(q.namespace(), ns -> new TreeMap<>()).put(q.name(), q));
    }

    public void removeQuota(String namespace, String name) {
        write(() -> {
            TreeMap<String, QuotaRecord> inNamespace = quotas.get(namespace);
            if (inNamespace != null) {
                inNamespace.remove(name);
                if (inNamespace.isEmpty()) {
                    quotas.remove(namespace);
                }
            }
        });
    }

    /** Counts a node that is replaced or gone out of the label and taint numbering. */
    private void forget(IndexedNode node) {
        labels.remove(node.labelIds);
        taintSets.remove(node.taints);
    }

    private void uncharge(PodCharge charge) {
        if (charge == null) {
            return;
        }
        IndexedNode.NodeUsage usage = usageByNode.get(charge.node());
        usage.add(charge.request(), -1);
        if (usage.empty() && !nodesByName.containsKey(charge.node())) {
            usageByNode.remove(charge.node());
        }
    }

    private void write(Runnable change) {
        lock.writeLock().lock();
        try {
            change.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Runs {@code reader} under the read lock: the package-private accessors below are valid only inside. */
    <T> T read(Supplier<T> reader) {
        lock.readLock().lock();
        try {
            return reader.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Every node, in name order. Under {@link #read} only; the array is the index's own: do not write to it. */
    IndexedNode[] nodes() {
        return inOrder;
    }

    private int positionOf(String name) {
        int lo = 0;
        int hi = inOrder.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = inOrder[mid].name.compareTo(name);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        throw new IllegalStateException("node " + name + " is in the map but not in the array");
    }

    /** A node, or null. Under {@link #read} only. */
    IndexedNode node(String name) {
        return nodesByName.get(name);
    }

    /** The usage of the pods bound to a node, known or not (empty when none). Under {@link #read} only. */
    IndexedNode.NodeUsage usage(String node) {
        IndexedNode.NodeUsage u = usageByNode.get(node);
        return u == null ? new IndexedNode.NodeUsage() : u;
    }

    /** The quotas of a namespace, by name. Under {@link #read} only. */
    List<QuotaRecord> quotas(String namespace) {
        TreeMap<String, QuotaRecord> inNamespace = quotas.get(namespace);
        return inNamespace == null ? List.of() : List.copyOf(inNamespace.values());
    }

    /** Number of nodes now. */
    public int nodeCount() {
        return read(nodesByName::size);
    }

    /** The requested sums on a node, by resource name, zeros left out: for tests and diagnostics. */
    Map<String, Long> requested(String node) {
        return read(() -> {
            Map<String, Long> out = new TreeMap<>();
            IndexedNode.NodeUsage u = usageByNode.get(node);
            if (u != null) {
                for (int i = 0; i < u.requested.length; i++) {
                    if (u.requested[i] != 0) {
                        out.put(slots.name(i), u.requested[i]);
                    }
                }
            }
            return out;
        });
    }

    /** The number of pods counted on a node: for tests and diagnostics. */
    int podCount(String node) {
        return read(() -> {
            IndexedNode.NodeUsage u = usageByNode.get(node);
            return u == null ? 0 : u.pods;
        });
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    private SchedulingListener listener() {
        return new SchedulingListener() {
            @Override
            public void nodeChanged(NodeSchedulingRecord node) {
                upsertNode(node);
            }

            @Override
            public void nodeDeleted(String name) {
                removeNode(name);
            }

            @Override
            public void podChanged(PodSchedulingRecord pod) {
                upsertPod(pod);
            }

            @Override
            public void podDeleted(String namespace, String name) {
                removePod(namespace, name);
            }

            @Override
            public void quotaChanged(QuotaRecord quota) {
                upsertQuota(quota);
            }

            @Override
            public void quotaDeleted(String namespace, String name) {
                removeQuota(namespace, name);
            }
        };
    }
}
