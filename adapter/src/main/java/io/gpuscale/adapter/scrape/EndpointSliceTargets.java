package io.gpuscale.adapter.scrape;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.ReflectorRunnable;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import okhttp3.OkHttpClient;

/**
 * The agents as the ready endpoints of the agent Service, from an informer over its
 * EndpointSlices ({@code discovery.k8s.io/v1}, label {@code kubernetes.io/service-name}, in the
 * agent's namespace only): each ready endpoint's first address and the port named
 * {@code metrics}, with the endpoint's {@code nodeName}. One target per node: when a node has
 * several (dual-stack slices), the IPv4 one is scraped. While the API server cannot be reached the
 * last known endpoints stay. Needs RBAC {@code list} and {@code watch} on
 * {@code endpointslices.discovery.k8s.io} in that namespace.
 */
public final class EndpointSliceTargets implements AgentTargets {
    static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(30);
    static final Duration WATCH_READ_TIMEOUT =
            ReflectorRunnable.REFLECTOR_WATCH_CLIENTSIDE_MAX_TIMEOUT.plus(Duration.ofMinutes(1));
    private static final Type WATCH_EVENT =
            TypeToken.getParameterized(Watch.Response.class, V1EndpointSlice.class).getType();
    private static final System.Logger LOG = System.getLogger(EndpointSliceTargets.class.getName());
    /** The informer reports each failed attempt, about once a second while kube-apiserver is unreachable. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);

    private final String portName;
    private final SharedIndexInformer<V1EndpointSlice> informer;
    private volatile boolean changed = true;
    private volatile boolean closed;
    private volatile List<AgentTarget> current = List.of();

    /**
     * @param client the API server connection (its TLS and credentials are used)
     * @param namespace the agent Service's namespace
     * @param service the agent Service's name (e.g. {@code gpuscale-agent})
     * @param portName the name of the Service port to scrape (e.g. {@code metrics})
     */
    public EndpointSliceTargets(ApiClient client, String namespace, String service, String portName) {
        Objects.requireNonNull(client, "client");
        this.portName = Objects.requireNonNull(portName, "portName");
        ListerWatcher<V1EndpointSlice, V1EndpointSliceList> lw = new SliceListerWatcher(client, namespace,
                "kubernetes.io/service-name=" + service);
        this.informer = new DefaultSharedIndexInformer<V1EndpointSlice, V1EndpointSliceList>(V1EndpointSlice.class, lw, 0,
                new Cache<>(), (type, error) -> {
                    if (!closed) {
                        repeated.log(System.Logger.Level.WARNING, "endpointslices",
                                "listing or watching the agent EndpointSlices failed, retrying",
                                LogFields.of("namespace", namespace, "service", service, "reason", String.valueOf(error)));
                    }
                });
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice slice) {
                changed = true;
            }

            @Override
            public void onUpdate(V1EndpointSlice before, V1EndpointSlice after) {
                changed = true;
            }

            @Override
            public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
                changed = true;
            }
        });
    }

    @Override
    public void start() {
        informer.run();
    }

    /** True once the slices have been listed. */
    public boolean synced() {
        return informer.hasSynced();
    }

    @Override
    public List<AgentTarget> current() {
        if (changed) {
            synchronized (this) {
                if (changed) {
                    changed = false;
                    current = targets(informer.getIndexer().list(), portName);
                }
            }
        }
        return current;
    }

    /** The targets of these slices: ready endpoints, the named port, one per node (IPv4 first). */
    static List<AgentTarget> targets(List<V1EndpointSlice> slices, String portName) {
        record Candidate(AgentTarget target, int addressRank) {
        }
        Map<String, Candidate> byKey = new HashMap<>();
        for (V1EndpointSlice slice : slices) {
            DiscoveryV1EndpointPort named = port(slice, portName);
            if (named == null || slice.getEndpoints() == null) {
                continue;
            }
            int port = named.getPort();
            // agents serving HTTPS (--tls-cert-file) are marked on the Service port: appProtocol: https
            String scheme = "https".equalsIgnoreCase(named.getAppProtocol()) ? "https" : "http";
            String type = slice.getAddressType();
            int rank = "IPv4".equals(type) ? 0 : "IPv6".equals(type) ? 1 : 2;
            for (V1Endpoint e : slice.getEndpoints()) {
                boolean ready = e.getConditions() == null || e.getConditions().getReady() == null
                        || e.getConditions().getReady();
                if (!ready || e.getAddresses() == null || e.getAddresses().isEmpty()) {
                    continue;
                }
                String address = e.getAddresses().get(0);
                String host = rank == 1 || address.contains(":") ? "[" + address + "]" : address;
                AgentTarget target = new AgentTarget(scheme + "://" + host + ":" + port + "/metrics", e.getNodeName());
                String key = e.getNodeName() != null ? "node/" + e.getNodeName() : "url/" + target.url();
                Candidate c = new Candidate(target, rank);
                byKey.merge(key, c, (a, b) -> a.addressRank() < b.addressRank()
                        || (a.addressRank() == b.addressRank() && a.target().url().compareTo(b.target().url()) <= 0) ? a : b);
            }
        }
        List<AgentTarget> targets = new ArrayList<>();
        byKey.values().forEach(c -> targets.add(c.target()));
        targets.sort(Comparator.comparing(AgentTarget::url));
        return List.copyOf(targets);
    }

    private static DiscoveryV1EndpointPort port(V1EndpointSlice slice, String portName) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (DiscoveryV1EndpointPort p : slice.getPorts()) {
            if (portName.equals(p.getName()) && p.getPort() != null) {
                return p;
            }
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        informer.stop();
    }

    /** Lists and watches the Service's slices in its namespace; list and watch get their own read timeouts. */
    private static final class SliceListerWatcher implements ListerWatcher<V1EndpointSlice, V1EndpointSliceList> {
        private final ApiClient client;
        private final DiscoveryV1Api api;
        private final String namespace;
        private final String labelSelector;
        private final OkHttpClient listHttp;
        private final OkHttpClient watchHttp;

        SliceListerWatcher(ApiClient client, String namespace, String labelSelector) {
            this.client = client;
            this.api = new DiscoveryV1Api(client);
            this.namespace = namespace;
            this.labelSelector = labelSelector;
            this.listHttp = client.getHttpClient().newBuilder().readTimeout(LIST_READ_TIMEOUT).build();
            this.watchHttp = client.getHttpClient().newBuilder().readTimeout(WATCH_READ_TIMEOUT).build();
        }

        @Override
        public V1EndpointSliceList list(CallGeneratorParams params) throws ApiException {
            return client.<V1EndpointSliceList>execute(listHttp.newCall(api.listNamespacedEndpointSlice(namespace)
                    .labelSelector(labelSelector)
                    .resourceVersion(params.resourceVersion)
                    .timeoutSeconds(params.timeoutSeconds)
                    .buildCall(null)
                    .request()), V1EndpointSliceList.class).getData();
        }

        @Override
        public Watchable<V1EndpointSlice> watch(CallGeneratorParams params) throws ApiException {
            return Watch.createWatch(client, watchHttp.newCall(api.listNamespacedEndpointSlice(namespace)
                    .labelSelector(labelSelector)
                    .resourceVersion(params.resourceVersion)
                    .timeoutSeconds(params.timeoutSeconds)
                    .allowWatchBookmarks(true)
                    .watch(true)
                    .buildCall(null)
                    .request()), WATCH_EVENT);
        }
    }
}
