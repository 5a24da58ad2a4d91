package io.gpuscale.adapter.auth;

import io.gpuscale.adapter.informer.Informer;
import io.gpuscale.common.log.LogFields;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

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
    private static final Logger LOG = System.getLogger(ExtensionAuthenticationWatch.class.getName());
    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "extension-apiserver-authentication";

    private final AtomicReference<AuthenticationConfig> current = new AtomicReference<>(AuthenticationConfig.NONE);
    private final AtomicLong reloads = new AtomicLong();
    private final Informer informer;
    private final String server;
    private volatile String lastBadVersion;
    private String loadedVersion;

    public ExtensionAuthenticationWatch(ApiClient client) {
        Objects.requireNonNull(client, "client");
        this.server = client.getBasePath();
        CoreV1Api api = new CoreV1Api(client);
        // by name: the Role extension-apiserver-authentication-reader allows no other list
        this.informer = new Informer(client, NAMESPACE + "/" + NAME, (rv, timeout, watch, limit, page) ->
                api.listNamespacedConfigMap(NAMESPACE).fieldSelector("metadata.name=" + NAME)
                        .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)
                        ._continue(page).allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1ConfigMap.class, null, LOG,
                LogFields.of("namespace", NAMESPACE, "configmap", NAME, "server", server), new Informer.Changes() {
                    @Override
                    public void put(KubernetesObject object) {
                        if (object instanceof V1ConfigMap map) {
                            load(map);
                        }
                    }

                    @Override
                    public void removed(KubernetesObject object) {
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
        informer.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!informer.synced() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        if (informer.synced()) {
            // the event handlers run on their own thread: take the first version from the cache now
            for (Object o : informer.cached()) {
                if (o instanceof V1ConfigMap map) {
                    load(map);
                }
            }
        }
        if (!informer.synced()) {
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

    /** Stops watching. */
    @Override
    public void close() {
        informer.close();
    }
}
