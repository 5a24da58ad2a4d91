package io.gpuscale.agent.pods;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.cache.ReflectorRunnable;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import okhttp3.Call;
import okhttp3.OkHttpClient;

/**
 * Lists and watches the pods of one node, across all namespaces, with the field selector
 * {@code spec.nodeName=<node>}: the API server sends only this node's pods, so the agent's cost
 * grows with the pods on its node, not in the cluster. Needs RBAC {@code list} and {@code watch}
 * on pods.
 */
final class NodePodListerWatcher implements ListerWatcher<V1Pod, V1PodList> {
    /** A list is one bounded response; a server silent this long is not going to answer. */
    static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The reflector asks the API server to end each watch within 10 minutes; a watch silent for
     * longer than that is a dead connection, and timing it out leads to a fresh list.
     */
    static final Duration WATCH_READ_TIMEOUT =
            ReflectorRunnable.REFLECTOR_WATCH_CLIENTSIDE_MAX_TIMEOUT.plus(Duration.ofMinutes(1));
    private static final Type WATCH_EVENT = TypeToken.getParameterized(Watch.Response.class, V1Pod.class).getType();

    private final ApiClient client;
    private final CoreV1Api api;
    private final String fieldSelector;
    private final OkHttpClient listHttp;
    private final OkHttpClient watchHttp;
    private final NodePodConnection connection;
    private volatile Call inFlight;
    private volatile boolean cancelled;

    NodePodListerWatcher(ApiClient client, String nodeName, NodePodConnection connection) {
        this.client = client;
        this.api = new CoreV1Api(client);
        this.fieldSelector = "spec.nodeName=" + nodeName;
        // Derived from the client's own HTTP client, so its TLS settings and auth interceptors apply.
        this.listHttp = client.getHttpClient().newBuilder().readTimeout(LIST_READ_TIMEOUT).build();
        this.watchHttp = client.getHttpClient().newBuilder().readTimeout(WATCH_READ_TIMEOUT).build();
        this.connection = connection;
    }

    @Override
    public V1PodList list(CallGeneratorParams params) throws ApiException {
        Call call = listHttp.newCall(api.listPodForAllNamespaces()
                .fieldSelector(fieldSelector)
                .resourceVersion(params.resourceVersion)
                .timeoutSeconds(params.timeoutSeconds)
                .buildCall(null)
                .request());
        try {
            V1PodList list = client.<V1PodList>execute(start(call), V1PodList.class).getData();
            connection.succeeded();
            return list;
        } catch (ApiException | RuntimeException e) {
            failed(e);
            throw e;
        } finally {
            inFlight = null;
        }
    }

    @Override
    public Watchable<V1Pod> watch(CallGeneratorParams params) throws ApiException {
        Call call = watchHttp.newCall(api.listPodForAllNamespaces()
                .fieldSelector(fieldSelector)
                .resourceVersion(params.resourceVersion)
                .timeoutSeconds(params.timeoutSeconds)
                .allowWatchBookmarks(true)
                .watch(true)
                .buildCall(null)
                .request());
        try {
            Watch<V1Pod> watch = Watch.createWatch(client, start(call), WATCH_EVENT);
            connection.succeeded();
            return watch;
        } catch (ApiException | RuntimeException e) {
            failed(e);
            throw e;
        } finally {
            inFlight = null;
        }
    }

    /** Aborts the request in flight, if any, and refuses new ones: the informer is stopping. */
    void cancel() {
        cancelled = true;
        Call call = inFlight;
        if (call != null) {
            call.cancel();
        }
    }

    private void failed(Exception e) {
        if (!cancelled) {
            connection.failed(e);
        }
    }

    private Call start(Call call) throws ApiException {
        inFlight = call;
        if (cancelled) {
            call.cancel();
            throw new ApiException(new IOException("pod informer stopped"));
        }
        return call;
    }
}
