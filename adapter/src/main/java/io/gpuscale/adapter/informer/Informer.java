package io.gpuscale.adapter.informer;

import io.gpuscale.common.log.InformerLogs;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.TransformFunc;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.Caches;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One kind of Kubernetes object, listed and then watched by an informer of the official client
 * (listed again after a broken watch), through a {@link KubeListerWatcher}: the one way the
 * adapter builds, starts and stops an informer.
 *
 * <p>An outage (lists or watches failing) is logged on the owner's logger once at its start,
 * {@code cannot list or watch WHAT; retrying, logging again once it works}, and once at its end,
 * {@code listing and watching WHAT again}; outages that start again within a minute of a logged
 * one are only counted, and told with the next line ({@link RepeatedLog}). Stopping is no
 * failure: requests cut by {@link #close()} are not logged.
 */
public final class Informer implements AutoCloseable {
    static {
        InformerLogs.quietInterruptions(); // a stopped informer is no error
    }

    /** What becomes of the objects the informer hears of; called on the informer's own thread, in order. */
    public interface Changes {
        /** An object was added or changed: {@code object} is its new state (after the transform). */
        void put(KubernetesObject object);

        /** An object was deleted: {@code object} is its last known state. */
        void removed(KubernetesObject object);
    }

    private final Logger log;
    private final RepeatedLog repeated;
    private final String what;
    private final LogFields context;
    private final KubeListerWatcher listerWatcher;
    private final DefaultSharedIndexInformer<KubernetesObject, KubernetesListObject> informer;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closed;
    private volatile long lastEventMillis;
    private boolean down;
    /** Whether the start of the current outage was logged (its end is then logged too). */
    private boolean downLogged;
    private Throwable lastFailure;

    /**
     * @param client the API server connection: its TLS and credentials are used, its read timeout is not
     * @param what what is watched, in log lines ({@code pods}, {@code kube-system/extension-apiserver-authentication})
     * @param requests the list and watch requests, with their selectors
     * @param itemType the client's model class of the kind
     * @param transform what the cache keeps of each object, or null for the object itself
     * @param log the owner's logger, which the outage lines go to
     * @param context the fields of every outage line (e.g. {@code server}); a failure's adds {@code reason}
     * @param changes told of every add, update and delete
     */
    public Informer(ApiClient client, String what, KubeListerWatcher.Requests requests,
            Class<? extends KubernetesObject> itemType, TransformFunc transform, Logger log, LogFields context,
            Changes changes) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(changes, "changes");
        this.log = Objects.requireNonNull(log, "log");
        this.repeated = new RepeatedLog(log);
        this.what = Objects.requireNonNull(what, "what");
        this.context = Objects.requireNonNull(context, "context");
        this.listerWatcher = new KubeListerWatcher(client, requests, itemType, new KubeListerWatcher.Connection() {
            @Override
            public void succeeded() {
                Informer.this.succeeded();
            }

            @Override
            public void failed(Throwable t) {
                Informer.this.failed(t);
            }
        }, transform);
        // No namespace index: nothing reads one, and it costs an entry per object.
        this.informer = new DefaultSharedIndexInformer<>(apiType(itemType), listerWatcher, 0,
                new Cache<>("none", o -> List.of(), Caches::deletionHandlingMetaNamespaceKeyFunc),
                (type, error) -> failed(error));
        if (transform != null) {
            informer.setTransform(transform);
        }
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(KubernetesObject obj) {
                changes.put(obj);
                lastEventMillis = System.currentTimeMillis();
            }

            @Override
            public void onUpdate(KubernetesObject before, KubernetesObject after) {
                changes.put(after);
                lastEventMillis = System.currentTimeMillis();
            }

            @Override
            public void onDelete(KubernetesObject obj, boolean finalStateUnknown) {
                changes.removed(obj);
                lastEventMillis = System.currentTimeMillis();
            }
        });
    }

    /**
     * The reflector sets kind and apiVersion on listed items through the element class's
     * setters, and names it in its logs: give it the model class, not the interface.
     */
    @SuppressWarnings("unchecked")
    private static Class<KubernetesObject> apiType(Class<?> itemType) {
        return (Class<KubernetesObject>) itemType;
    }

    /** Starts listing and watching, on the informer's own threads; returns at once. A second call does nothing. */
    public void start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (started.compareAndSet(false, true)) {
            informer.run();
        }
    }

    /** True once the objects have been listed (and stays true through outages). */
    public boolean synced() {
        return informer.hasSynced();
    }

    /** What the cache holds now (after the transform). */
    public List<KubernetesObject> cached() {
        return informer.getIndexer().list();
    }

    /** List requests started. */
    public long lists() {
        return listerWatcher.lists();
    }

    /** Watch requests started. */
    public long watches() {
        return listerWatcher.watches();
    }

    /** Failed list and watch requests since start. */
    public long failures() {
        return failures.get();
    }

    /** When the last add, update or delete was handled (epoch millis), 0 before the first. */
    public long lastEventMillis() {
        return lastEventMillis;
    }

    private synchronized void succeeded() {
        lastFailure = null;
        if (down) {
            down = false;
            if (downLogged) {
                log.log(Level.INFO, "listing and watching " + what + " again", context);
            }
        }
    }

    private synchronized void failed(Throwable t) {
        if (closed || t == lastFailure) {
            return; // stopping cuts requests: no failure; and the informer reports some failures twice
        }
        lastFailure = t;
        failures.incrementAndGet();
        if (!down) {
            down = true;
            downLogged = repeated.log(Level.WARNING, "cannot list or watch " + what,
                    "cannot list or watch " + what + "; retrying, logging again once it works",
                    context.with("reason", String.valueOf(t)));
        }
    }

    /** Stops listing and watching: aborts the request in flight and closes the watch. */
    @Override
    public void close() {
        closed = true;
        listerWatcher.cancel();
        informer.stop();
    }
}
