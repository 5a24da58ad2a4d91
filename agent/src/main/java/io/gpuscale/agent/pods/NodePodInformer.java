package io.gpuscale.agent.pods;

import io.gpuscale.common.log.InformerLogs;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pods on this node, with their UIDs and phases, kept current by a node-scoped informer of
 * the official Kubernetes client. The kubelet's PodResources API names pods but gives no UID, and
 * keeps listing pods that have ended; this tells the agent which pod a cgroup belongs to and
 * which pods are gone.
 *
 * <p>The informer lists the node's pods, then watches them; after a broken watch or a failed
 * request it lists again, every second until it succeeds. Each pod is cut down to its name,
 * namespace, UID, node and phase before the informer caches it. Readers take an immutable
 * {@link NodePods} from {@link #current()}, rebuilt only after something changed.
 *
 * <p>Needs RBAC {@code get}, {@code list} and {@code watch} on {@code pods}.
 */
public final class NodePodInformer implements AutoCloseable {
    static {
        InformerLogs.quietInterruptions(); // a stopped informer is no error
    }

    private final String nodeName;
    private final NodePodConnection connection;
    private final NodePodListerWatcher listerWatcher;
    private final SharedIndexInformer<V1Pod> informer;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean synced;
    private volatile boolean changed;
    private volatile NodePods current = NodePods.empty();

    /**
     * An informer over {@code client}'s API server; call {@link #start()} to begin. The client's
     * own HTTP settings (TLS, authentication) are used; its read timeout is not: lists time out
     * after 30 s of silence, watches only once the server should have ended them.
     *
     * @param client the API server connection
     * @param nodeName this node's name, as in the pods' {@code spec.nodeName}
     */
    public NodePodInformer(ApiClient client, String nodeName) {
        Objects.requireNonNull(client, "client");
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("the node name is required to watch this node's pods");
        }
        this.nodeName = nodeName;
        this.connection = new NodePodConnection(nodeName, client.getBasePath());
        this.listerWatcher = new NodePodListerWatcher(client, nodeName, connection);
        this.informer = new DefaultSharedIndexInformer<V1Pod, V1PodList>(
                V1Pod.class, listerWatcher, 0, new Cache<>(), (type, error) -> {
                    if (!closed) {
                        connection.failed(error);
                    }
                });
        informer.setTransform(pod -> pod instanceof V1Pod full ? NodePodProjection.slim(full) : pod);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1Pod pod) {
                changed = true;
            }

            @Override
            public void onUpdate(V1Pod before, V1Pod after) {
                changed = true;
            }

            @Override
            public void onDelete(V1Pod pod, boolean finalStateUnknown) {
                changed = true;
            }
        });
    }

    /** An informer over the API server of the cluster this process runs in, as a pod. */
    public static NodePodInformer inCluster(String nodeName) throws IOException {
        return new NodePodInformer(ClientBuilder.cluster().build(), nodeName);
    }

    /** An informer over the API server and credentials of the current context of a kubeconfig. */
    public static NodePodInformer fromKubeconfig(Path kubeconfig, String nodeName) throws IOException {
        return new NodePodInformer(Config.fromConfig(kubeconfig.toString()), nodeName);
    }

    /** Starts listing and watching, on the informer's own threads; returns at once. */
    public void start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (started.compareAndSet(false, true)) {
            informer.run();
        }
    }

    /** True once the node's pods have been listed (it stays true through later outages). */
    public boolean synced() {
        if (!synced && informer.hasSynced()) {
            // The cache is complete now, but the last add may still be on its way to our
            // handler: rebuild from the cache on the next read.
            changed = true;
            synced = true;
        }
        return synced;
    }

    /** True from a failed list or watch until the next one that works. */
    public boolean apiServerDown() {
        return connection.down();
    }

    /** Failed list and watch requests since start. */
    public long failures() {
        return connection.failures();
    }

    /**
     * The node's pods as last listed and watched: empty before the first list, and kept as they
     * were while the API server cannot be reached. Cheap to call every sample.
     */
    public NodePods current() {
        if (changed) {
            synchronized (this) {
                if (changed) {
                    changed = false;
                    current = snapshot();
                }
            }
        }
        return current;
    }

    private NodePods snapshot() {
        List<V1Pod> cached = informer.getIndexer().list();
        List<PodInfo> pods = new ArrayList<>(cached.size());
        for (V1Pod pod : cached) {
            NodePodProjection.info(pod, nodeName).ifPresent(pods::add);
        }
        return NodePods.of(pods);
    }

    /** Stops listing and watching: closes the watch and aborts a request in flight. */
    @Override
    public void close() {
        closed = true;
        listerWatcher.cancel();
        informer.stop();
    }
}
