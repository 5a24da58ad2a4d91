package io.gpuscale.adapter.auth;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.gpuscale.common.log.InformerLogs;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.cache.ReflectorRunnable;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.OkHttpClient;

/**
 * {@code kube-system/extension-apiserver-authentication}, listed and watched with an informer of
 * the official client: each version is read into an {@link AuthenticationConfig} and swapped in
 * atomically, so requests verify against the CA bundles of the moment. A version that cannot be
 * read keeps the previous configuration (logged once per version); a deleted ConfigMap leaves
 * only bearer tokens and anonymous requests.
 *
 * <p>Needs RBAC get, list and watch on that ConfigMap (the Role
 * {@code extension-apiserver-authentication-reader}), which allows lists and watches selecting it
 * by name.
 */
public final class ExtensionAuthenticationWatch implements Supplier<AuthenticationConfig>, AutoCloseable {
    static {
        InformerLogs.quietInterruptions(); // a stopped informer is no error
    }

    private static final Logger LOG = System.getLogger(ExtensionAuthenticationWatch.class.getName());
    /** A list or watch that fails again and again after working in between logs a line a minute. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);
    /** Whether the start of the current outage was logged (its end is then logged too). */
    private volatile boolean failingLogged;
    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "extension-apiserver-authentication";
    private static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WATCH_READ_TIMEOUT =
            ReflectorRunnable.REFLECTOR_WATCH_CLIENTSIDE_MAX_TIMEOUT.plus(Duration.ofMinutes(1));

    private final AtomicReference<AuthenticationConfig> current = new AtomicReference<>(AuthenticationConfig.NONE);
    private final AtomicLong reloads = new AtomicLong();
    private final DefaultSharedIndexInformer<V1ConfigMap, V1ConfigMapList> informer;
    private final String server;
    private volatile String lastBadVersion;
    private volatile boolean failing;
    private volatile boolean closed;
    private String loadedVersion;
    private volatile Call inFlight;

    public ExtensionAuthenticationWatch(ApiClient client) {
        Objects.requireNonNull(client, "client");
        this.server = client.getBasePath();
        this.informer = new DefaultSharedIndexInformer<>(V1ConfigMap.class, new ConfigMapListerWatcher(client), 0,
                new io.kubernetes.client.informer.cache.Cache<>(), (type, error) -> failed(error));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1ConfigMap obj) {
                load(obj);
            }

            @Override
            public void onUpdate(V1ConfigMap before, V1ConfigMap after) {
                load(after);
            }

            @Override
            public void onDelete(V1ConfigMap obj, boolean finalStateUnknown) {
                deleted();
            }
        });
    }

    private synchronized void deleted() {
        loadedVersion = null;
        LOG.log(Level.WARNING, NAMESPACE + "/" + NAME + " was deleted: client certificates and the front proxy are no "
                + "longer accepted until it is back", LogFields.of("namespace", NAMESPACE, "configmap", NAME));
        current.set(AuthenticationConfig.NONE);
        reloads.incrementAndGet();
    }

    /** Starts listing and watching, then waits up to {@code timeout} for the first answer. */
    public ExtensionAuthenticationWatch start(Duration timeout) {
        informer.run();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!informer.hasSynced() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        if (informer.hasSynced()) {
            // the event handlers run on their own thread: take the first version from the cache now
            for (Object o : informer.getIndexer().list()) {
                if (o instanceof V1ConfigMap map) {
                    load(map);
                }
            }
        }
        if (!informer.hasSynced()) {
            LOG.log(Level.WARNING, "cannot read " + NAMESPACE + "/" + NAME + " yet: until it is read, client "
                    + "certificates and the front proxy are not accepted (bearer tokens are)",
                    LogFields.of("namespace", NAMESPACE, "configmap", NAME, "server", server));
        } else if (reloads.get() == 0) {
            LOG.log(Level.WARNING, NAMESPACE + "/" + NAME + " does not exist: client certificates and the front "
                    + "proxy are not accepted until it does", LogFields.of("namespace", NAMESPACE, "configmap", NAME));
        }
        return this;
    }

    /** The configuration of the moment. */
    @Override
    public AuthenticationConfig get() {
        return current.get();
    }

    /** How many versions have been swapped in (tests wait on it). */
    public long reloads() {
        return reloads.get();
    }

    private synchronized void load(V1ConfigMap map) {
        String version = map.getMetadata() == null ? null : map.getMetadata().getResourceVersion();
        if (version != null && version.equals(loadedVersion)) {
            return;
        }
        try {
            AuthenticationConfig config = AuthenticationConfig.fromConfigMap(map.getData());
            current.set(config);
            loadedVersion = version;
            reloads.incrementAndGet();
            LOG.log(Level.INFO, "read " + NAMESPACE + "/" + NAME + " version " + version, LogFields.of(
                    "namespace", NAMESPACE, "configmap", NAME, "version", version,
                    "client_ca_certificates", config.clientCa().size(),
                    "requestheader_ca_certificates", config.requestHeaderCa().size(),
                    "allowed_names", String.valueOf(config.allowedNames())));
            if (!config.requestHeaderCa().isEmpty() && !config.usernameHeaders().isEmpty()
                    && config.usernameHeaders().stream().noneMatch(h -> h.equalsIgnoreCase("X-Remote-User"))) {
                LOG.log(Level.WARNING, "requestheader-username-headers omit X-Remote-User: the aggregator's requests "
                        + "will not authenticate");
            }
        } catch (IllegalArgumentException e) {
            if (!Objects.equals(version, lastBadVersion)) {
                lastBadVersion = version;
                LOG.log(Level.WARNING, NAMESPACE + "/" + NAME + " version " + version + " is unusable, keeping the "
                        + "previous one", LogFields.of("namespace", NAMESPACE, "configmap", NAME, "version", version,
                                "reason", e.getMessage()));
            }
        }
    }

    private void failed(Throwable t) {
        if (closed) {
            return; // stopping cuts the watch: not a failure
        }
        if (!failing) {
            failing = true;
            failingLogged = repeated.log(Level.WARNING, "watch", "cannot list or watch " + NAMESPACE + "/" + NAME
                    + "; retrying", LogFields.of("namespace", NAMESPACE, "configmap", NAME, "server", server,
                            "reason", t.toString()));
        }
    }

    /** Stops watching. */
    @Override
    public void close() {
        closed = true;
        Call call = inFlight;
        if (call != null) {
            call.cancel();
        }
        informer.stop();
    }

    /** Lists and watches the one ConfigMap, by name; watches with a read timeout longer than the server's. */
    private final class ConfigMapListerWatcher implements ListerWatcher<V1ConfigMap, V1ConfigMapList> {
        private final ApiClient client;
        private final CoreV1Api api;
        private final OkHttpClient listHttp;
        private final OkHttpClient watchHttp;
        private final Type watchType = TypeToken.getParameterized(Watch.Response.class, V1ConfigMap.class).getType();

        ConfigMapListerWatcher(ApiClient client) {
            this.client = client;
            this.api = new CoreV1Api(client);
            // no call timeout: a watch is a long call by design; the read timeouts bound silence
            this.listHttp = client.getHttpClient().newBuilder().callTimeout(Duration.ZERO)
                    .readTimeout(LIST_READ_TIMEOUT).build();
            this.watchHttp = client.getHttpClient().newBuilder().callTimeout(Duration.ZERO)
                    .readTimeout(WATCH_READ_TIMEOUT).build();
        }

        @Override
        public V1ConfigMapList list(CallGeneratorParams params) throws ApiException {
            Call call = listHttp.newCall(request(params, false).request());
            inFlight = call;
            V1ConfigMapList list = client.<V1ConfigMapList>execute(call, V1ConfigMapList.class).getData();
            if (failing) {
                failing = false;
                if (failingLogged) {
                    LOG.log(Level.INFO, "reading " + NAMESPACE + "/" + NAME + " again",
                            LogFields.of("namespace", NAMESPACE, "configmap", NAME, "server", server));
                }
            }
            return list;
        }

        @Override
        public Watchable<V1ConfigMap> watch(CallGeneratorParams params) throws ApiException {
            Call call = watchHttp.newCall(request(params, true).request());
            inFlight = call;
            return Watch.createWatch(client, call, watchType);
        }

        private Call request(CallGeneratorParams params, boolean watch) throws ApiException {
            return api.listNamespacedConfigMap(NAMESPACE).fieldSelector("metadata.name=" + NAME)
                    .resourceVersion(params.resourceVersion).timeoutSeconds(params.timeoutSeconds)
                    .watch(watch ? true : null).allowWatchBookmarks(watch ? true : null).buildCall(null);
        }
    }
}
