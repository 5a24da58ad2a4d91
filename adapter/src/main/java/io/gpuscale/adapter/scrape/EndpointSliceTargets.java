package io.gpuscale.adapter.scrape;

import io.gpuscale.adapter.informer.Informer;
import io.gpuscale.common.log.LogFields;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
    private static final System.Logger LOG = System.getLogger(EndpointSliceTargets.class.getName());

    private final String portName;
    private final Informer informer;
    private volatile boolean changed = true;
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
        DiscoveryV1Api api = new DiscoveryV1Api(client);
        String selector = "kubernetes.io/service-name=" + service;
        this.informer = new Informer(client, "the agent EndpointSlices", (rv, timeout, watch, limit, page) ->
                api.listNamespacedEndpointSlice(namespace).labelSelector(selector)
                        .resourceVersion(rv).timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)
                        ._continue(page).allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1EndpointSlice.class, null, LOG,
                LogFields.of("namespace", namespace, "service", service, "server", client.getBasePath()),
                new Informer.Changes() {
                    @Override
                    public void put(KubernetesObject object) {
                        changed = true;
                    }

                    @Override
                    public void removed(KubernetesObject object) {
                        changed = true;
                    }
                });
    }

    @Override
    public void start() {
        informer.start();
    }

    /** True once the slices have been listed. */
    public boolean synced() {
        return informer.synced();
    }

    @Override
    public List<AgentTarget> current() {
        if (changed) {
            synchronized (this) {
                if (changed) {
                    changed = false;
                    List<V1EndpointSlice> slices = new ArrayList<>();
                    for (KubernetesObject o : informer.cached()) {
                        if (o instanceof V1EndpointSlice slice) {
                            slices.add(slice);
                        }
                    }
                    current = targets(slices, portName);
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
        informer.close();
    }
}
