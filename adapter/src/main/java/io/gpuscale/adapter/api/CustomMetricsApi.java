package io.gpuscale.adapter.api;

import io.gpuscale.adapter.cluster.ClusterView;
import io.gpuscale.adapter.cluster.NodeRecord;
import io.gpuscale.adapter.cluster.PodRecord;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.metrics.ServedMetric;
import io.gpuscale.adapter.selector.LabelSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * custom.metrics.k8s.io, v1beta1 and v1beta2: the values of pods, nodes and namespaces, as the
 * HPA and {@code kubectl get --raw} ask for them. Pure: reads {@link GpuMetrics} and
 * {@link ClusterView}, takes the time as an argument, answers records.
 *
 * <p>Paths, relative to {@code /apis/custom.metrics.k8s.io/<version>/}:
 * <ul>
 * <li>{@code namespaces/{ns}/pods/{name}/{metric}}: one pod (a list of exactly one item);</li>
 * <li>{@code namespaces/{ns}/pods/*}{@code /{metric}?labelSelector=}: the pods of {@code ns} whose
 *     labels match; a pod without a current value is left out, never reported as 0 (a 0 would
 *     drive the HPA to scale down; a missing pod is treated conservatively);</li>
 * <li>{@code nodes/{name}/{metric}} and {@code nodes/*}{@code /{metric}?labelSelector=} (node labels);</li>
 * <li>{@code namespaces/{ns}/metrics/{metric}}: the namespace's pods together.</li>
 * </ul>
 *
 * <p>A pod's value combines its readings of the metric's per-pod series with the metric's
 * {@link io.gpuscale.adapter.metrics.Aggregation} (utilization: the mean of its GPUs; memory: the
 * sum); a node's its GPUs' per-GPU series; a namespace's every reading of its pods. The timestamp
 * is the oldest reading combined. {@code metricLabelSelector} selects which series take part, by
 * the series' labels (GPU identity: {@code gpu}, {@code uuid}, {@code model}, {@code mig_uuid},
 * ...; per-pod series also {@code container}, {@code method}); with it, series are read through
 * {@link GpuMetrics#gpus}. A named object with no current value is a 404 that says why.
 */
public final class CustomMetricsApi {
    public static final String GROUP = "custom.metrics.k8s.io";
    public static final String V1BETA1 = "v1beta1";
    public static final String V1BETA2 = "v1beta2";
    /** The served versions, preferred first. */
    public static final List<String> VERSIONS = List.of(V1BETA2, V1BETA1);

    private final GpuMetrics metrics;
    private final ClusterView cluster;
    private final ApiOptions options;
    private final Freshness freshness;

    public CustomMetricsApi(GpuMetrics metrics, ClusterView cluster, ApiOptions options) {
        this.metrics = metrics;
        this.cluster = cluster;
        this.options = options;
        this.freshness = new Freshness(options.maxAge());
    }

    /**
     * Answers a GET.
     *
     * @param version {@code v1beta1} or {@code v1beta2}
     * @param parts the decoded path segments after the version (at least one)
     * @param params the query parameters, first value of each
     * @param now the time staleness is judged against
     */
    public ApiResponse get(String version, List<String> parts, Map<String, String> params, Instant now) {
        if (!VERSIONS.contains(version)) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        Query query;
        try {
            query = Query.parse(params);
        } catch (IllegalArgumentException e) {
            return ApiResponse.failure(Status.badRequest(e.getMessage()));
        }
        if (parts.size() == 3) {
            if (!parts.get(0).equals("nodes")) {
                return ApiResponse.failure(metricNotFound(parts.get(2), parts.get(0), null));
            }
            return nodes(version, parts.get(1), parts.get(2), query, now);
        }
        if (parts.size() == 4 && parts.get(0).equals("namespaces") && parts.get(2).equals("metrics")) {
            return namespace(version, parts.get(1), parts.get(3), query, now);
        }
        if (parts.size() == 5 && parts.get(0).equals("namespaces")) {
            if (!parts.get(2).equals("pods")) {
                return ApiResponse.failure(metricNotFound(parts.get(4), parts.get(2), null));
            }
            return pods(version, parts.get(1), parts.get(3), parts.get(4), query, now);
        }
        return ApiResponse.failure(Status.pathNotFound());
    }

    private ApiResponse pods(String version, String namespace, String name, String metricName, Query query,
            Instant now) {
        Optional<ServedMetric> found = ServedMetric.byName(metricName).filter(m -> m.podSeries() != null);
        if (found.isEmpty()) {
            return ApiResponse.failure(metricNotFound(metricName, "pods", null));
        }
        ServedMetric metric = found.get();
        PodSeries series = new PodSeries(metric.podSeries(), query.metricLabelSelector());
        if (!name.equals("*")) {
            if (query.fieldName() != null && !query.fieldName().equals(name)) {
                return ApiResponse.failure(fieldMismatch(query.fieldName(), name));
            }
            Optional<PodRecord> pod = cluster.pod(namespace, name);
            if (pod.isEmpty()) {
                return ApiResponse.failure(Status.notFound("pods \"" + name + "\" not found",
                        new Status.Details(name, "", "pods")));
            }
            Freshness.Combined c = freshness.combine(series.of(pod.get()), metric.aggregation(), now);
            if (c instanceof Freshness.Missing missing) {
                return ApiResponse.failure(metricNotFound(metricName, "pods", namespace + "/" + name, missing.why()));
            }
            return list(version, List.of(value(ObjectReference.pod(namespace, name), metric, query,
                    (Freshness.Value) c)));
        }
        List<PodRecord> selected = new ArrayList<>();
        for (PodRecord pod : cluster.pods(namespace)) {
            if (query.labelSelector().matches(pod.labels())
                    && (query.fieldName() == null || query.fieldName().equals(pod.name()))) {
                selected.add(pod);
            }
        }
        Map<String, List<Reading>> readings = series.of(namespace, selected);
        List<MetricValue> items = new ArrayList<>();
        for (PodRecord pod : selected) {
            List<Reading> r = readings.getOrDefault(pod.name(), List.of());
            if (freshness.combine(r, metric.aggregation(), now) instanceof Freshness.Value v) {
                items.add(value(ObjectReference.pod(namespace, pod.name()), metric, query, v));
            }
        }
        return list(version, items);
    }

    private ApiResponse nodes(String version, String name, String metricName, Query query, Instant now) {
        Optional<ServedMetric> found = ServedMetric.byName(metricName).filter(m -> m.gpuSeries() != null);
        if (found.isEmpty()) {
            return ApiResponse.failure(metricNotFound(metricName, "nodes", null));
        }
        ServedMetric metric = found.get();
        if (!name.equals("*")) {
            if (query.fieldName() != null && !query.fieldName().equals(name)) {
                return ApiResponse.failure(fieldMismatch(query.fieldName(), name));
            }
            if (cluster.node(name).isEmpty()) {
                return ApiResponse.failure(Status.notFound("nodes \"" + name + "\" not found",
                        new Status.Details(name, "", "nodes")));
            }
            Freshness.Combined c = freshness.combine(nodeReadings(metric, List.of(name), query.metricLabelSelector())
                    .getOrDefault(name, List.of()), metric.aggregation(), now);
            if (c instanceof Freshness.Missing missing) {
                return ApiResponse.failure(metricNotFound(metricName, "nodes", name, missing.why()));
            }
            return list(version, List.of(value(ObjectReference.node(name), metric, query, (Freshness.Value) c)));
        }
        List<String> selected = new ArrayList<>();
        for (NodeRecord node : cluster.nodes()) {
            if (query.labelSelector().matches(node.labels())
                    && (query.fieldName() == null || query.fieldName().equals(node.name()))) {
                selected.add(node.name());
            }
        }
        Map<String, List<Reading>> readings = nodeReadings(metric, selected, query.metricLabelSelector());
        List<MetricValue> items = new ArrayList<>();
        for (String node : selected) {
            Freshness.Combined c = freshness.combine(readings.getOrDefault(node, List.of()), metric.aggregation(), now);
            if (c instanceof Freshness.Value v) {
                items.add(value(ObjectReference.node(node), metric, query, v));
            }
        }
        return list(version, items);
    }

    private ApiResponse namespace(String version, String namespace, String metricName, Query query, Instant now) {
        Optional<ServedMetric> found = ServedMetric.byName(metricName).filter(m -> m.podSeries() != null);
        if (found.isEmpty()) {
            return ApiResponse.failure(metricNotFound(metricName, "namespaces", null));
        }
        ServedMetric metric = found.get();
        PodSeries series = new PodSeries(metric.podSeries(), query.metricLabelSelector());
        List<PodRecord> pods = cluster.pods(namespace);
        Map<String, List<Reading>> readings = series.of(namespace, pods);
        List<Reading> all = new ArrayList<>();
        for (PodRecord pod : pods) {
            all.addAll(readings.getOrDefault(pod.name(), List.of()));
        }
        Freshness.Combined c = freshness.combine(all, metric.aggregation(), now);
        if (c instanceof Freshness.Missing missing) {
            String why = pods.isEmpty() ? "the namespace has no pods" : "of its pods' GPUs, " + missing.why();
            return ApiResponse.failure(metricNotFound(metricName, "namespaces", namespace, why));
        }
        return list(version, List.of(value(ObjectReference.namespace(namespace), metric, query, (Freshness.Value) c)));
    }

    /**
     * The nodes' readings of a metric's per-GPU series, by node: one bulk read for the request
     * (without a metric selector, just these nodes; with one, every GPU once, filtered by labels).
     */
    private Map<String, List<Reading>> nodeReadings(ServedMetric metric, List<String> nodes, LabelSelector metricSelector) {
        if (nodes.isEmpty()) {
            return Map.of();
        }
        if (metricSelector.isEmpty()) {
            return nodes.size() == 1
                    ? Map.of(nodes.get(0), metrics.node(metric.gpuSeries(), nodes.get(0)))
                    : metrics.nodes(metric.gpuSeries(), nodes);
        }
        Set<String> wanted = new HashSet<>(nodes);
        Map<String, List<Reading>> out = new HashMap<>();
        for (GpuReading g : metrics.gpus(metric.gpuSeries())) {
            String node = g.labels().get("node");
            if (node != null && wanted.contains(node) && metricSelector.matches(g.labels())) {
                out.computeIfAbsent(node, k -> new ArrayList<>()).add(g.reading());
            }
        }
        return out;
    }

    /**
     * Pods' readings of a per-pod series: without a metric selector, the pods asked for in one bulk
     * read ({@link GpuMetrics#pods}); with one, from every series of the metric (read once per
     * request), filtered by its labels. A pod not yet on a node has none.
     */
    private final class PodSeries {
        private final String series;
        private final LabelSelector selector;
        private Map<String, List<Reading>> selected;

        PodSeries(String series, LabelSelector selector) {
            this.series = series;
            this.selector = selector;
        }

        List<Reading> of(PodRecord pod) {
            if (pod.nodeName() == null || pod.nodeName().isEmpty()) {
                return List.of();
            }
            if (selector.isEmpty()) {
                return metrics.pod(series, pod.nodeName(), pod.namespace(), pod.name());
            }
            if (selected == null) {
                selected = new HashMap<>();
                for (GpuReading g : metrics.gpus(series)) {
                    String ns = g.labels().get("namespace");
                    String name = g.labels().get("pod");
                    if (ns != null && name != null && selector.matches(g.labels())) {
                        selected.computeIfAbsent(ns + "/" + name, k -> new ArrayList<>()).add(g.reading());
                    }
                }
            }
            return selected.getOrDefault(pod.namespace() + "/" + pod.name(), List.of());
        }

        /** The readings of several pods of one namespace, by pod name. */
        Map<String, List<Reading>> of(String namespace, List<PodRecord> pods) {
            if (!selector.isEmpty()) {
                Map<String, List<Reading>> out = new HashMap<>();
                for (PodRecord pod : pods) {
                    out.put(pod.name(), of(pod));
                }
                return out;
            }
            Map<String, String> nodeByPod = new HashMap<>();
            for (PodRecord pod : pods) {
                if (pod.nodeName() != null && !pod.nodeName().isEmpty()) {
                    nodeByPod.put(pod.name(), pod.nodeName());
                }
            }
            return nodeByPod.isEmpty() ? Map.of() : metrics.pods(series, namespace, nodeByPod);
        }
    }

    private MetricValue value(ObjectReference object, ServedMetric metric, Query query, Freshness.Value v) {
        return new MetricValue(object, metric.name(), query.metricLabelSelector(), v.timestamp(),
                options.windowSeconds(), CanonicalQuantity.format(v.value()));
    }

    private static ApiResponse list(String version, List<MetricValue> items) {
        return ApiResponse.ok(new MetricValueList(version, items));
    }

    private static Status fieldMismatch(String field, String name) {
        return Status.badRequest("fieldSelector metadata.name=" + field + " does not match the name \"" + name
                + "\" in the path");
    }

    /** As custom-metrics-apiserver words it: "the server could not find the metric M for pods". */
    static Status metricNotFound(String metric, String resource, String object) {
        return Status.notFound("the server could not find the metric " + metric + " for " + resource,
                new Status.Details(object, GROUP, resource));
    }

    private static Status metricNotFound(String metric, String resource, String object, String why) {
        return Status.notFound("the server could not find the metric " + metric + " for " + resource + " " + object
                + ": " + why, new Status.Details(object, GROUP, resource));
    }
}
