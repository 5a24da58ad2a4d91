package io.gpuscale.adapter.cluster;

import io.gpuscale.adapter.informer.Informer;
import io.gpuscale.adapter.informer.KubeListerWatcher;
import io.gpuscale.common.log.LogFields;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.TransformFunc;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.lang.System.Logger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The live cluster, from informers of the official client: pods of every namespace, nodes and
 * ResourceQuotas, each listed and then watched, and listed again after a broken watch.
 *
 * <p>Each object is projected to its records in the informer's transform, before the informer
 * caches it: the caches hold {@link PodRecord} and {@link PodSchedulingRecord} (nodes:
 * {@link NodeRecord} and {@link NodeSchedulingRecord}; quotas: {@link QuotaRecord}), never a
 * {@code V1Pod}. Each informer event then puts or removes that one object's entry in the view's
 * {@link ClusterRecords}, which readers and subscribers (the advisor's index) read: nothing is
 * rebuilt whole after an event.
 *
 * <p>Needs RBAC {@code list} and {@code watch} on {@code pods}, {@code nodes} and
 * {@code resourcequotas}.
 */
public final class InformerClusterView implements SchedulingView, AutoCloseable {
    private static final Logger LOG = System.getLogger(InformerClusterView.class.getName());

    /** The informers in order: pods, nodes, resourcequotas. */
    private final List<Watched> watched = new ArrayList<>();
    private volatile boolean closed;
    private volatile boolean synced;
    private final ClusterRecords records = new ClusterRecords();

    /** One resource's informer, under its name. */
    private record Watched(String resource, Informer informer) {
        InformerStats stats() {
            return new InformerStats(resource, informer.lists(), informer.watches(), informer.failures(),
                    informer.cached().size(), informer.lastEventMillis());
        }
    }

    /**
     * A view over {@code client}'s API server; call {@link #start()} to begin. The client's TLS
     * and authentication settings are used; its read timeout is not (see
     * {@link KubeListerWatcher}).
     */
    public InformerClusterView(ApiClient client) {
        Objects.requireNonNull(client, "client");
        CoreV1Api api = new CoreV1Api(client);
        LogFields server = LogFields.of("server", client.getBasePath());
        Informer.Changes changes = new Informer.Changes() {
            @Override
            public void put(KubernetesObject object) {
                InformerClusterView.this.put(object);
            }

            @Override
            public void removed(KubernetesObject object) {
                remove(object);
            }
        };
        watch(client, "pods", (rv, timeout, watch, limit, page) -> api.listPodForAllNamespaces()
                .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1Pod.class,
                obj -> obj instanceof V1Pod p ? cachedPod(p) : obj, server, changes);
        watch(client, "nodes", (rv, timeout, watch, limit, page) -> api.listNode()
                .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1Node.class,
                obj -> obj instanceof V1Node n ? cachedNode(n) : obj, server, changes);
        watch(client, "resourcequotas", (rv, timeout, watch, limit, page) -> api.listResourceQuotaForAllNamespaces()
                .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1ResourceQuota.class,
                obj -> obj instanceof V1ResourceQuota q ? new CachedObject<>(q.getMetadata().getNamespace(),
                        q.getMetadata().getName(), ClusterProjection.quota(q)) : obj, server, changes);
    }

    private void watch(ApiClient client, String resource, KubeListerWatcher.Requests requests,
            Class<? extends KubernetesObject> itemType, TransformFunc transform, LogFields server,
            Informer.Changes changes) {
        watched.add(new Watched(resource, new Informer(client, resource, requests, itemType, transform, LOG, server,
                changes)));
    }

    /** A pod's records, keyed by the records' own (shared) namespace and name. */
    private static CachedObject<ClusterRecords.PodEntry> cachedPod(V1Pod p) {
        PodRecord pod = ClusterProjection.pod(p);
        return new CachedObject<>(pod.namespace(), pod.name(),
                new ClusterRecords.PodEntry(pod, ClusterProjection.podScheduling(p)));
    }

    private static CachedObject<ClusterRecords.NodeEntry> cachedNode(V1Node n) {
        NodeRecord node = ClusterProjection.node(n);
        return new CachedObject<>(null, node.name(), new ClusterRecords.NodeEntry(node, ClusterProjection.nodeScheduling(n)));
    }

    /** A view over the API server and credentials of the current context of a kubeconfig. */
    public static InformerClusterView fromKubeconfig(Path kubeconfig) throws IOException {
        return new InformerClusterView(Config.fromConfig(kubeconfig.toString()));
    }

    /** A view over the API server of the cluster this process runs in, as a pod. */
    public static InformerClusterView inCluster() throws IOException {
        return new InformerClusterView(ClientBuilder.cluster().build());
    }

    /** {@code --kubeconfig FILE} when given, else in-cluster. */
    public static InformerClusterView connect(Optional<Path> kubeconfig) throws IOException {
        return kubeconfig.isPresent() ? fromKubeconfig(kubeconfig.get()) : inCluster();
    }

    /** Starts listing and watching, on the informers' own threads; returns at once. */
    public void start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        watched.forEach(w -> w.informer().start());
    }

    /** True once pods, nodes and quotas have each been listed (and stays true through outages). */
    @Override
    public boolean ready() {
        if (!synced && watched.stream().allMatch(w -> w.informer().synced())) {
            // The caches are complete now, but the last adds may still be on their way to our
            // handlers: put what the caches hold now. A handler's later, older add is put after it
            // and then its newer state again (the informer queues every change in order), so the
            // records end at the caches' state.
            for (Watched w : watched) {
                w.informer().cached().forEach(this::put);
            }
            synced = true;
        }
        return synced;
    }

    /** The classes of everything the informers' caches hold: only {@link CachedObject}, if the transforms work. */
    java.util.Set<Class<?>> cachedClasses() {
        java.util.Set<Class<?>> out = new java.util.HashSet<>();
        for (Watched w : watched) {
            for (Object o : w.informer().cached()) {
                out.add(o.getClass());
            }
        }
        return out;
    }

    /** Each informer's requests, failures, objects and last event, for the adapter's own metrics. */
    public List<InformerStats> stats() {
        List<InformerStats> out = new ArrayList<>(watched.size());
        watched.forEach(w -> out.add(w.stats()));
        return out;
    }

    /** Failed list and watch requests since start, all resources together. */
    public long failures() {
        return watched.stream().mapToLong(w -> w.informer().failures()).sum();
    }

    /** One informer object's records, put in place of what was held under its key. */
    private void put(Object obj) {
        if (obj instanceof CachedObject<?> c) {
            if (c.value() instanceof ClusterRecords.PodEntry p) {
                records.putPod(p);
            } else if (c.value() instanceof ClusterRecords.NodeEntry n) {
                records.putNode(n);
            } else if (c.value() instanceof QuotaRecord q) {
                records.putQuota(q);
            }
        }
    }

    private void remove(Object obj) {
        if (obj instanceof CachedObject<?> c) {
            if (c.value() instanceof ClusterRecords.PodEntry p) {
                records.removePod(p.pod().namespace(), p.pod().name());
            } else if (c.value() instanceof ClusterRecords.NodeEntry n) {
                records.removeNode(n.node().name());
            } else if (c.value() instanceof QuotaRecord q) {
                records.removeQuota(q.namespace(), q.name());
            }
        }
    }

    @Override
    public List<PodRecord> pods(String namespace) {
        return records.pods(namespace);
    }

    @Override
    public Optional<PodRecord> pod(String namespace, String name) {
        return records.pod(namespace, name);
    }

    @Override
    public List<NodeRecord> nodes() {
        return records.nodes();
    }

    @Override
    public Optional<NodeRecord> node(String name) {
        return records.node(name);
    }

    @Override
    public List<PodSchedulingRecord> schedulingPods() {
        return records.schedulingPods();
    }

    @Override
    public Optional<PodSchedulingRecord> schedulingPod(String namespace, String name) {
        return records.schedulingPod(namespace, name);
    }

    @Override
    public List<NodeSchedulingRecord> schedulingNodes() {
        return records.schedulingNodes();
    }

    @Override
    public Optional<NodeSchedulingRecord> schedulingNode(String name) {
        return records.schedulingNode(name);
    }

    @Override
    public List<QuotaRecord> quotas(String namespace) {
        return records.quotas(namespace);
    }

    @Override
    public List<QuotaRecord> allQuotas() {
        return records.allQuotas();
    }

    /**
     * Tells {@code listener} of every object the view holds, before this returns, and of every
     * change after, in the order the view applied them (one informer thread per resource).
     */
    @Override
    public Subscription subscribe(SchedulingListener listener) {
        return records.subscribe(listener);
    }

    /** Stops listing and watching: closes the watches and aborts requests in flight. */
    @Override
    public void close() {
        closed = true;
        watched.forEach(w -> w.informer().close());
    }
}
