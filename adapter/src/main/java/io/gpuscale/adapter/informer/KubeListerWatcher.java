package io.gpuscale.adapter.informer;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.TransformFunc;
import io.kubernetes.client.informer.cache.ReflectorRunnable;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Lists and watches one kind of object (cluster-wide, in one namespace, by selector: whatever
 * its {@link Requests} ask), for an {@link Informer}. The informer may cache what a transform
 * makes of each object rather than the kind itself (hence the erased element types).
 * Lists time out after 30 s of silence; watches only once the server should have ended them,
 * since the client's default read timeout (10 s) would cut every quiet watch. Watches ask for
 * bookmarks. No call timeout applies: a watch is a long call by design, the read timeouts bound
 * silence.
 *
 * <p>Lists come in pages of {@value #PAGE_SIZE} (as client-go's reflector asks), each page cut
 * down to records by the informer's transform as it arrives: the list handed to the informer
 * holds records only. The reflector keeps that list for as long as the watch after it runs, so
 * a list of the client's models would stay in memory beside the records. Each page is read as a
 * stream ({@link ListBody}): kube-apiserver answers the first list ({@code resourceVersion=0})
 * from its watch cache whole, ignoring the page size, and the client's own {@code execute} would
 * hold that body and every model decoded from it at once.
 */
public final class KubeListerWatcher implements ListerWatcher<KubernetesObject, KubernetesListObject> {
    public static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration WATCH_READ_TIMEOUT =
            ReflectorRunnable.REFLECTOR_WATCH_CLIENTSIDE_MAX_TIMEOUT.plus(Duration.ofMinutes(1));

    /** Objects per list page. */
    public static final int PAGE_SIZE = 500;

    /**
     * Builds the list (or, with {@code watch}, the watch) request of one resource, with its
     * selectors: the generated API's {@code list...} call with these parameters set, e.g.
     * {@code api.listNode().resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null)
     * .allowWatchBookmarks(watch ? true : null).limit(limit)._continue(page).buildCall(null)}.
     */
    public interface Requests {
        /**
         * @param limit the page size of a list, or null for all at once (and for watches)
         * @param continueToken the list's continue token from the previous page, or null
         */
        Call build(String resourceVersion, Integer timeoutSeconds, boolean watch, Integer limit, String continueToken)
                throws ApiException;
    }

    private final ApiClient client;
    private final Requests requests;
    private final ListBody listBody;
    private final Type watchEventType;
    private final OkHttpClient listHttp;
    private final OkHttpClient watchHttp;
    private final Connection connection;
    private final TransformFunc transform;
    private volatile Call inFlight;
    private volatile boolean cancelled;
    /** List and watch requests started, for the adapter's own metrics. */
    private final AtomicLong lists = new AtomicLong();
    private final AtomicLong watches = new AtomicLong();

    /** Whether the API server answers, per resource; the {@link Informer} logs its changes. */
    public interface Connection {
        void succeeded();

        void failed(Throwable t);
    }

    /**
     * @param itemType the client's model class of the listed kind (e.g. {@code V1Pod.class})
     * @param transform what the informer caches of each object, or null to cache it as it is
     */
    public KubeListerWatcher(ApiClient client, Requests requests, Class<? extends KubernetesObject> itemType,
            Connection connection, TransformFunc transform) {
        this.client = client;
        this.transform = transform == null ? o -> o : transform;
        this.requests = requests;
        this.listBody = new ListBody(JSON.getGson(), itemType); // the client's Gson (one for all clients)
        this.watchEventType = TypeToken.getParameterized(Watch.Response.class, itemType).getType();
        this.connection = connection;
        // Derived from the client's own HTTP client, so its TLS settings and auth interceptors apply.
        this.listHttp = client.getHttpClient().newBuilder().callTimeout(Duration.ZERO)
                .readTimeout(LIST_READ_TIMEOUT).build();
        this.watchHttp = client.getHttpClient().newBuilder().callTimeout(Duration.ZERO)
                .readTimeout(WATCH_READ_TIMEOUT).build();
    }

    /** List requests started. */
    public long lists() {
        return lists.get();
    }

    /** Watch requests started. */
    public long watches() {
        return watches.get();
    }

    @Override
    public KubernetesListObject list(CallGeneratorParams params) throws ApiException {
        lists.incrementAndGet();
        try {
            KubernetesListObject list;
            try {
                list = listPages(params.resourceVersion, params.timeoutSeconds, PAGE_SIZE);
            } catch (ApiException e) {
                if (e.getCode() != 410) {
                    throw e;
                }
                // A continue token expired between pages: list whole, as client-go's pager does.
                list = listPages(params.resourceVersion, params.timeoutSeconds, null);
            }
            connection.succeeded();
            return list;
        } catch (ApiException | RuntimeException e) {
            failed(e);
            throw e;
        } finally {
            inFlight = null;
        }
    }

    private KubernetesListObject listPages(String resourceVersion, Integer timeoutSeconds, Integer limit)
            throws ApiException {
        List<KubernetesObject> items = new ArrayList<>();
        Consumer<KubernetesObject> toRecords = item -> items.add(transform.transform(item));
        String continueToken = null;
        V1ListMeta meta;
        do {
            // Later pages are named by the token alone: the server refuses a resource version with it.
            Call call = listHttp.newCall(requests.build(continueToken == null ? resourceVersion : null, timeoutSeconds,
                    false, limit, continueToken).request());
            meta = listPage(start(call), toRecords);
            continueToken = meta.getContinue() == null || meta.getContinue().isEmpty() ? null : meta.getContinue();
        } while (continueToken != null);
        return new Records(new V1ListMeta().resourceVersion(meta.getResourceVersion()), items);
    }

    /**
     * Runs one list request and streams its items to {@code items}. A refusal becomes the same
     * {@link ApiException} the client's own {@code execute} throws (so a 410 is still a 410).
     */
    private V1ListMeta listPage(Call call, Consumer<KubernetesObject> items) throws ApiException {
        Response response;
        try {
            response = call.execute();
        } catch (IOException e) {
            throw new ApiException(e);
        }
        try (response) {
            if (!response.isSuccessful()) {
                String body;
                try {
                    body = response.body() == null ? null : response.body().string();
                } catch (IOException e) {
                    throw new ApiException(response.message(), e, response.code(), response.headers().toMultimap());
                }
                throw new ApiException(response.message(), response.code(), response.headers().toMultimap(), body);
            }
            ResponseBody body = response.body();
            if (body == null) {
                throw new UnreadableListException("a list answer came without a body", null);
            }
            return listBody.read(body.charStream(), items);
        }
    }

    /** A listed resource as records: what the reflector hands on and keeps through the watch. */
    private static final class Records implements KubernetesListObject {
        private final V1ListMeta metadata;
        private final List<KubernetesObject> items;

        Records(V1ListMeta metadata, List<KubernetesObject> items) {
            this.metadata = metadata;
            this.items = items;
        }

        @Override
        public V1ListMeta getMetadata() {
            return metadata;
        }

        @Override
        public List<KubernetesObject> getItems() {
            return items;
        }

        @Override
        public String getApiVersion() {
            return "v1";
        }

        @Override
        public String getKind() {
            return "gpuscale.CachedList";
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Watchable<KubernetesObject> watch(CallGeneratorParams params) throws ApiException {
        watches.incrementAndGet();
        Call call = watchHttp.newCall(requests.build(params.resourceVersion, params.timeoutSeconds, true, null, null).request());
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
    public void cancel() {
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
