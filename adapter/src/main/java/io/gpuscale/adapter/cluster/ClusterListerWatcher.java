package io.gpuscale.adapter.cluster;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.cache.ReflectorRunnable;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import okhttp3.Call;
import okhttp3.OkHttpClient;

/**
 * Lists and watches one kind of object cluster-wide, for an informer that caches
 * {@link CachedObject}s rather than the kind itself (hence the erased element types).
 * Lists time out after 30 s of silence; watches only once the server should have ended them,
 * since the client's default read timeout (10 s) would cut every quiet watch.
 */
final class ClusterListerWatcher implements ListerWatcher<KubernetesObject, KubernetesListObject> {
    static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(30);
    static final Duration WATCH_READ_TIMEOUT =
            ReflectorRunnable.REFLECTOR_WATCH_CLIENTSIDE_MAX_TIMEOUT.plus(Duration.ofMinutes(1));

    /** Builds the list (or, with {@code watch}, the watch) request of one resource. */
    interface Requests {
        Call build(String resourceVersion, Integer timeoutSeconds, boolean watch) throws ApiException;
    }

    private final ApiClient client;
    private final Requests requests;
    private final Class<? extends KubernetesListObject> listType;
    private final Type watchEventType;
    private final OkHttpClient listHttp;
    private final OkHttpClient watchHttp;
    private final Connection connection;
    private volatile Call inFlight;
    private volatile boolean cancelled;

    /** Whether the API server answers, per resource; the informer view logs its changes. */
    interface Connection {
        void succeeded();

        void failed(Throwable t);
    }

    ClusterListerWatcher(ApiClient client, Requests requests, Class<? extends KubernetesListObject> listType,
            Type watchEventType, Connection connection) {
        this.client = client;
        this.requests = requests;
        this.listType = listType;
        this.watchEventType = watchEventType;
        this.connection = connection;
        // Derived from the client's own HTTP client, so its TLS settings and auth interceptors apply.
        this.listHttp = client.getHttpClient().newBuilder().readTimeout(LIST_READ_TIMEOUT).build();
        this.watchHttp = client.getHttpClient().newBuilder().readTimeout(WATCH_READ_TIMEOUT).build();
    }

    @Override
    public KubernetesListObject list(CallGeneratorParams params) throws ApiException {
        Call call = listHttp.newCall(requests.build(params.resourceVersion, params.timeoutSeconds, false).request());
        try {
            KubernetesListObject list = client.<KubernetesListObject>execute(start(call), listType).getData();
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
    @SuppressWarnings("unchecked")
    public Watchable<KubernetesObject> watch(CallGeneratorParams params) throws ApiException {
        Call call = watchHttp.newCall(requests.build(params.resourceVersion, params.timeoutSeconds, true).request());
        try {
            Watch<KubernetesObject> watch = (Watch<KubernetesObject>) (Watch<?>) Watch.createWatch(client, start(call),
                    watchEventType);
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
            throw new ApiException(new IOException("informer stopped"));
        }
        return call;
    }
}
