package io.gpuscale.adapter.cluster;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.gpuscale.common.log.InformerLogs;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.Caches;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
    static {
        InformerLogs.quietInterruptions(); // a stopped informer is no error
    }

    private static final Logger LOG = System.getLogger(InformerClusterView.class.getName());
    /** An informer that fails again and again after working in between logs a line a minute. */
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final String server;
    private final List<Watched> watched = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean synced;
    private final ClusterRecords records = new ClusterRecords();

    /** One resource's informer, its lister-watcher and its connection state. */
    private final class Watched implements ClusterListerWatcher.Connection {
        final String resource;
        final ClusterListerWatcher listerWatcher;
        final DefaultSharedIndexInformer<KubernetesObject, KubernetesListObject> informer;
        final AtomicLong failures = new AtomicLong();
        volatile long lastEventMillis;
        private boolean down;
        /** Whether the start of the current outage was logged (its end is then logged too). */
        private boolean downLogged;
        private Throwable lastFailure;

        Watched(ApiClient client, String resource, ClusterListerWatcher.Requests requests,
                Class<? extends KubernetesObject> itemType,
                io.kubernetes.client.informer.TransformFunc transform) {
            this.resource = resource;
            this.listerWatcher = new ClusterListerWatcher(client, requests, itemType,
                    TypeToken.getParameterized(Watch.Response.class, itemType).getType(), this, transform);
            // No namespace index: nothing reads one, and it costs an entry per object.
            this.informer = new DefaultSharedIndexInformer<>(apiType(itemType), listerWatcher, 0,
                    new Cache<>("none", o -> List.of(), Caches::deletionHandlingMetaNamespaceKeyFunc),
                    (type, error) -> {
                        if (!closed) {
                            failed(error);
                        }
                    });
            informer.setTransform(transform);
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(KubernetesObject obj) {
                    put(obj);
                    lastEventMillis = System.currentTimeMillis();
                }

                @Override
                public void onUpdate(KubernetesObject before, KubernetesObject after) {
                    put(after);
                    lastEventMillis = System.currentTimeMillis();
                }

                @Override
                public void onDelete(KubernetesObject obj, boolean finalStateUnknown) {
                    remove(obj);
                    lastEventMillis = System.currentTimeMillis();
                }
            });
        }

        InformerStats stats() {
            return new InformerStats(resource, listerWatcher.lists.get(), listerWatcher.watches.get(), failures.get(),
                    informer.getIndexer().list().size(), lastEventMillis);
        }

        @Override
        public synchronized void succeeded() {
            lastFailure = null;
            if (down) {
                down = false;
                if (downLogged) {
                    LOG.log(Level.INFO, "listing and watching " + resource + " again", LogFields.of("server", server));
                }
            }
        }

        @Override
        public synchronized void failed(Throwable t) {
            if (t == lastFailure) {
                return; // the informer reports some failures twice
            }
            lastFailure = t;
            failures.incrementAndGet();
            if (!down) {
                down = true;
                downLogged = REPEATED.log(Level.WARNING, "cannot list or watch " + resource,
                        "cannot list or watch " + resource + "; retrying, logging again once it works",
                        LogFields.of("server", server, "reason", t.toString()));
            }
        }

        /**
         * The reflector sets kind and apiVersion on listed items through the element class's
         * setters, and names it in its logs: give it the model class, not the interface.
         */
        @SuppressWarnings("unchecked")
        private static Class<KubernetesObject> apiType(Class<?> itemType) {
            return (Class<KubernetesObject>) itemType;
        }

    }

    /**
     * A view over {@code client}'s API server; call {@link #start()} to begin. The client's TLS
     * and authentication settings are used; its read timeout is not (see
     * {@link ClusterListerWatcher}).
     */
    public InformerClusterView(ApiClient client) {
        Objects.requireNonNull(client, "client");
        this.server = client.getBasePath();
        CoreV1Api api = new CoreV1Api(client);
        watched.add(new Watched(client, "pods", (rv, timeout, watch, limit, page) -> api.listPodForAllNamespaces()
                .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1Pod.class,
                obj -> obj instanceof V1Pod p ? cachedPod(p) : obj));
        watched.add(new Watched(client, "nodes", (rv, timeout, watch, limit, page) -> api.listNode()
                .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1Node.class,
                obj -> obj instanceof V1Node n ? cachedNode(n) : obj));
        watched.add(new Watched(client, "resourcequotas", (rv, timeout, watch, limit, page) -> api.listResourceQuotaForAllNamespaces()
                .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1ResourceQuota.class,
                obj -> obj instanceof V1ResourceQuota q ? new CachedObject<>(q.getMetadata().getNamespace(),
                        q.getMetadata().getName(), ClusterProjection.quota(q)) : obj));
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
        if (started.compareAndSet(false, true)) {
            watched.forEach(w -> w.informer.run());
        }
    }

    /** True once pods, nodes and quotas have each been listed (and stays true through outages). */
    @Override
    public boolean ready() {
        if (!synced && watched.stream().allMatch(w -> w.informer.hasSynced())) {
            // The caches are complete now, but the last adds may still be on their way to our
            // handlers: put what the caches hold now. A handler's later, older add is put after it
            // and then its newer state again (the informer queues every change in order), so the
            // records end at the caches' state.
            for (Watched w : watched) {
                for (Object key : w.informer.getIndexer().listKeys()) {
                    Object current = w.informer.getIndexer().getByKey((String) key);
                    if (current != null) {
                        put(current);
                    }
                }
            }
            synced = true;
        }
        return synced;
    }

    /** The classes of everything the informers' caches hold: only {@link CachedObject}, if the transforms work. */
    java.util.Set<Class<?>> cachedClasses() {
        java.util.Set<Class<?>> out = new java.util.HashSet<>();
        for (Watched w : watched) {
            for (Object o : w.informer.getIndexer().list()) {
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
        return watched.stream().mapToLong(w -> w.failures.get()).sum();
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
        for (Watched w : watched) {
            w.listerWatcher.cancel();
            w.informer.stop();
        }
    }
}
