package io.gpuscale.adapter.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The cluster's records, the one copy both views answer from, changed one object at a time: an
 * informer event (or a line of a snapshot file) puts or removes that one pod's, node's or quota's
 * entry and nothing else. Nothing is ever rebuilt whole.
 *
 * <p>Entries sit in ordered concurrent maps, so a single look-up never waits. The lists the views
 * hand out (a namespace's pods, every node) are immutable and made on the first read after a
 * change <em>to that part</em>: a pod event re-makes its own namespace's list only, a node event
 * the node list only, and an event whose records equal the ones held (a node heartbeat, a status
 * the records do not carry) changes nothing at all.
 *
 * <p>Listeners ({@link #subscribe}) hear each change in the order it was applied: writes are
 * serialized, and a listener is told under the same monitor, after being handed everything held at
 * the time it subscribed. Listeners must be quick and never do I/O (the advisor's index takes its
 * write lock for microseconds); nothing here does any.
 */
final class ClusterRecords {
    /** A pod's two records, kept together. */
    record PodEntry(PodRecord pod, PodSchedulingRecord scheduling) {
    }

    /** A node's two records, kept together. */
    record NodeEntry(NodeRecord node, NodeSchedulingRecord scheduling) {
    }

    /** Namespace, then name. */
    private final ConcurrentSkipListMap<String, ConcurrentSkipListMap<String, PodEntry>> pods =
            new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, NodeEntry> nodes = new ConcurrentSkipListMap<>();
    /** Namespace, then name. */
    private final ConcurrentSkipListMap<String, ConcurrentSkipListMap<String, QuotaRecord>> quotas =
            new ConcurrentSkipListMap<>();
    private final List<SchedulingListener> listeners = new CopyOnWriteArrayList<>();

    /** The lists handed out, by part; a change drops its own part's list, the next read makes it anew. */
    private final Map<String, List<PodRecord>> podLists = new ConcurrentHashMap<>();
    private final Map<String, List<QuotaRecord>> quotaLists = new ConcurrentHashMap<>();
    private volatile List<NodeRecord> nodeList;
    private volatile List<NodeSchedulingRecord> schedulingNodeList;
    private volatile List<PodSchedulingRecord> schedulingPodList;
    private volatile List<QuotaRecord> allQuotaList;

    // ---- changes: one object each

    synchronized void putPod(PodEntry e) {
        Objects.requireNonNull(e, "pod");
        String namespace = e.pod().namespace();
        PodEntry old = pods.computeIfAbsent(namespace, ns -> new ConcurrentSkipListMap<>()).put(e.pod().name(), e);
        if (e.equals(old)) {
            return;
        }
        podLists.remove(namespace);
        schedulingPodList = null;
        listeners.forEach(l -> l.podChanged(e.scheduling()));
    }

    synchronized void removePod(String namespace, String name) {
        ConcurrentSkipListMap<String, PodEntry> inNamespace = pods.get(namespace);
        if (inNamespace == null || inNamespace.remove(name) == null) {
            return;
        }
        if (inNamespace.isEmpty()) {
            pods.remove(namespace);
        }
        podLists.remove(namespace);
        schedulingPodList = null;
        listeners.forEach(l -> l.podDeleted(namespace, name));
    }

    synchronized void putNode(NodeEntry e) {
        Objects.requireNonNull(e, "node");
        NodeEntry old = nodes.put(e.node().name(), e);
        if (e.equals(old)) {
            return;
        }
        nodeList = null;
        schedulingNodeList = null;
        listeners.forEach(l -> l.nodeChanged(e.scheduling()));
    }

    synchronized void removeNode(String name) {
        if (nodes.remove(name) == null) {
            return;
        }
        nodeList = null;
        schedulingNodeList = null;
        listeners.forEach(l -> l.nodeDeleted(name));
    }

    synchronized void putQuota(QuotaRecord q) {
        Objects.requireNonNull(q, "quota");
        QuotaRecord old = quotas.computeIfAbsent(q.namespace(), ns -> new ConcurrentSkipListMap<>()).put(q.name(), q);
        if (q.equals(old)) {
            return;
        }
        quotaLists.remove(q.namespace());
        allQuotaList = null;
        listeners.forEach(l -> l.quotaChanged(q));
    }

    synchronized void removeQuota(String namespace, String name) {
        ConcurrentSkipListMap<String, QuotaRecord> inNamespace = quotas.get(namespace);
        if (inNamespace == null || inNamespace.remove(name) == null) {
            return;
        }
        if (inNamespace.isEmpty()) {
            quotas.remove(namespace);
        }
        quotaLists.remove(namespace);
        allQuotaList = null;
        listeners.forEach(l -> l.quotaDeleted(namespace, name));
    }

    /**
     * Tells {@code listener} of every record held now, on the caller's thread, then of every change
     * until the subscription is closed; no change falls between the two.
     */
    synchronized SchedulingView.Subscription subscribe(SchedulingListener listener) {
        Objects.requireNonNull(listener, "listener");
        nodes.values().forEach(e -> listener.nodeChanged(e.scheduling()));
        pods.values().forEach(ns -> ns.values().forEach(e -> listener.podChanged(e.scheduling())));
        quotas.values().forEach(ns -> ns.values().forEach(listener::quotaChanged));
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    // ---- reads: never wait for a writer, except to make a list a change dropped

    List<PodRecord> pods(String namespace) {
        List<PodRecord> list = podLists.get(namespace);
        return list != null ? list : podList(namespace);
    }

    private synchronized List<PodRecord> podList(String namespace) {
        ConcurrentSkipListMap<String, PodEntry> inNamespace = pods.get(namespace);
        if (inNamespace == null) {
            return List.of(); // not kept: every unknown namespace would stay in the map
        }
        return podLists.computeIfAbsent(namespace,
                ns -> inNamespace.values().stream().map(PodEntry::pod).toList());
    }

    Optional<PodRecord> pod(String namespace, String name) {
        return podEntry(namespace, name).map(PodEntry::pod);
    }

    Optional<PodSchedulingRecord> schedulingPod(String namespace, String name) {
        return podEntry(namespace, name).map(PodEntry::scheduling);
    }

    private Optional<PodEntry> podEntry(String namespace, String name) {
        if (namespace == null || name == null) {
            return Optional.empty();
        }
        ConcurrentSkipListMap<String, PodEntry> inNamespace = pods.get(namespace);
        return inNamespace == null ? Optional.empty() : Optional.ofNullable(inNamespace.get(name));
    }

    /** Every pod's scheduling record, by namespace then name. */
    List<PodSchedulingRecord> schedulingPods() {
        List<PodSchedulingRecord> list = schedulingPodList;
        return list != null ? list : allSchedulingPods();
    }

    private synchronized List<PodSchedulingRecord> allSchedulingPods() {
        if (schedulingPodList == null) {
            List<PodSchedulingRecord> out = new ArrayList<>();
            pods.values().forEach(ns -> ns.values().forEach(e -> out.add(e.scheduling())));
            schedulingPodList = List.copyOf(out);
        }
        return schedulingPodList;
    }

    List<NodeRecord> nodes() {
        List<NodeRecord> list = nodeList;
        return list != null ? list : nodeLists().node;
    }

    List<NodeSchedulingRecord> schedulingNodes() {
        List<NodeSchedulingRecord> list = schedulingNodeList;
        return list != null ? list : nodeLists().scheduling;
    }

    private record NodeLists(List<NodeRecord> node, List<NodeSchedulingRecord> scheduling) {
    }

    private synchronized NodeLists nodeLists() {
        if (nodeList == null || schedulingNodeList == null) {
            nodeList = nodes.values().stream().map(NodeEntry::node).toList();
            schedulingNodeList = nodes.values().stream().map(NodeEntry::scheduling).toList();
        }
        return new NodeLists(nodeList, schedulingNodeList);
    }

    Optional<NodeRecord> node(String name) {
        return nodeEntry(name).map(NodeEntry::node);
    }

    Optional<NodeSchedulingRecord> schedulingNode(String name) {
        return nodeEntry(name).map(NodeEntry::scheduling);
    }

    private Optional<NodeEntry> nodeEntry(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(nodes.get(name));
    }

    List<QuotaRecord> quotas(String namespace) {
        List<QuotaRecord> list = quotaLists.get(namespace);
        return list != null ? list : quotaList(namespace);
    }

    private synchronized List<QuotaRecord> quotaList(String namespace) {
        ConcurrentSkipListMap<String, QuotaRecord> inNamespace = quotas.get(namespace);
        if (inNamespace == null) {
            return List.of();
        }
        return quotaLists.computeIfAbsent(namespace, ns -> List.copyOf(inNamespace.values()));
    }

    /** Every ResourceQuota, by namespace then name. */
    synchronized List<QuotaRecord> allQuotas() {
        if (allQuotaList == null) {
            List<QuotaRecord> out = new ArrayList<>();
            quotas.values().forEach(ns -> out.addAll(ns.values()));
            allQuotaList = List.copyOf(out);
        }
        return allQuotaList;
    }
}
