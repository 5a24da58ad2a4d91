package io.gpuscale.adapter.store;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.ModelLabel;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.metrics.ValueRange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same readings, answered by a Prometheus server that scrapes the agents
 * ({@code --prometheus URL}): one instant query per call to {@code /api/v1/query}.
 *
 * <p>An instant query's own timestamp is the evaluation time, not when the value was measured,
 * so each query asks for the samples' timestamps alongside the values
 * ({@code label_replace(timestamp(S), "gpuscale_field", "timestamp", "", "") or S}) and every
 * reading carries the time Prometheus scraped it. Values older than Prometheus' lookback (5 min)
 * are not returned at all.
 *
 * <p>Calls block for up to the timeout: call them off the event loop. A failed or timed-out query
 * throws {@link PrometheusQueryException}.
 */
public final class PrometheusMetrics implements GpuMetrics {
    static final String FIELD = "gpuscale_field";

    private final URI queryUri;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl the Prometheus server, e.g. {@code http://prometheus.monitoring:9090}
     * @param timeout the most a query may take, connecting included
     */
    public PrometheusMetrics(String baseUrl, Duration timeout) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.queryUri = URI.create(base + "/api/v1/query");
        if (!"http".equals(queryUri.getScheme()) && !"https".equals(queryUri.getScheme())) {
            throw new IllegalArgumentException("--prometheus: not an http(s) URL: " + baseUrl);
        }
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The PromQL for a series' values and their sample timestamps. */
    static String query(String metric, Map<String, String> matchers) {
        StringBuilder selector = new StringBuilder(metric).append('{');
        boolean first = true;
        for (Map.Entry<String, String> m : matchers.entrySet()) {
            if (!first) {
                selector.append(',');
            }
            first = false;
            selector.append(m.getKey()).append("=\"").append(escape(m.getValue())).append('"');
        }
        selector.append('}');
        return "label_replace(timestamp(" + selector + "), \"" + FIELD + "\", \"timestamp\", \"\", \"\") or " + selector;
    }

    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public List<Reading> pod(String metric, String node, String namespace, String pod) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("node", node);
        m.put("namespace", namespace);
        m.put("pod", pod);
        return readings(metric, query(metric, m)).stream().map(GpuReading::reading).toList();
    }

    @Override
    public List<Reading> node(String metric, String node) {
        return readings(metric, query(metric, Map.of("node", node))).stream().map(GpuReading::reading).toList();
    }

    @Override
    public List<GpuReading> gpus(String metric) {
        List<GpuReading> readings = readings(metric, query(metric, Map.of()));
        Map<String, String> models = new HashMap<>();
        for (Object o : run("nvidia_gpu_info")) {
            JsonObject labels = ((JsonObject) o).getJsonObject("metric");
            if (labels.getString("model") != null) {
                models.put(labels.getString("node") + "/" + labels.getString("uuid"), labels.getString("model"));
            }
        }
        List<GpuReading> joined = new ArrayList<>(readings.size());
        for (GpuReading r : readings) {
            String model = models.get(r.labels().get("node") + "/" + r.labels().get("uuid"));
            if (model == null || r.labels().containsKey("model")) {
                joined.add(r);
            } else {
                Map<String, String> labels = new LinkedHashMap<>(r.labels());
                labels.put("model", ModelLabel.of(model));
                joined.add(new GpuReading(labels, r.reading()));
            }
        }
        return joined;
    }

    /**
     * The series of a value-and-timestamp query, paired back up, in (node, gpu) order; a value the
     * metric cannot have ({@link ValueRange}) is left out, as the scraper leaves it out.
     */
    private List<GpuReading> readings(String metric, String promql) {
        Map<Map<String, String>, double[]> series = new LinkedHashMap<>();
        for (Object o : run(promql)) {
            JsonObject sample = (JsonObject) o;
            Map<String, String> labels = new LinkedHashMap<>();
            sample.getJsonObject("metric").forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
            labels.remove("__name__");
            boolean isTimestamp = labels.remove(FIELD) != null;
            JsonArray value = sample.getJsonArray("value");
            double evaluatedAt = value.getDouble(0);
            double v = Double.parseDouble(value.getString(1).replace("Inf", "Infinity"));
            double[] pair = series.computeIfAbsent(labels, k -> new double[] {Double.NaN, Double.NaN, evaluatedAt});
            pair[isTimestamp ? 1 : 0] = v;
        }
        List<GpuReading> readings = new ArrayList<>();
        series.forEach((labels, pair) -> {
            if ((!Double.isNaN(pair[0]) || !Double.isNaN(pair[1])) && ValueRange.valid(metric, pair[0])) {
                double seconds = Double.isNaN(pair[1]) ? pair[2] : pair[1];
                readings.add(new GpuReading(labels, new Reading(pair[0], Math.round(seconds * 1000))));
            }
        });
        readings.removeIf(r -> r.labels().isEmpty() && Double.isNaN(r.reading().value()));
        readings.sort(Comparator.comparing((GpuReading r) -> r.labels().getOrDefault("node", ""))
                .thenComparing(r -> gpuIndex(r.labels().get("gpu"))));
        return readings;
    }

    private static long gpuIndex(String gpu) {
        try {
            return gpu == null ? Long.MAX_VALUE : Long.parseLong(gpu);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Runs an instant query; its result vector. */
    private JsonArray run(String promql) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(queryUri + "?query="
                        + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(timeout).header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PrometheusQueryException("Prometheus query failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrometheusQueryException("Prometheus query interrupted", e);
        }
        JsonObject body;
        try {
            body = new JsonObject(response.body());
        } catch (RuntimeException e) {
            throw new PrometheusQueryException("Prometheus answered HTTP " + response.statusCode() + " without JSON", e);
        }
        if (response.statusCode() != 200 || !"success".equals(body.getString("status"))) {
            throw new PrometheusQueryException("Prometheus answered HTTP " + response.statusCode() + ": "
                    + body.getString("errorType") + ": " + body.getString("error"), null);
        }
        JsonObject data = body.getJsonObject("data");
        if (data == null || !"vector".equals(data.getString("resultType"))) {
            throw new PrometheusQueryException("Prometheus answered no vector for " + promql, null);
        }
        return data.getJsonArray("result");
    }

    /** A Prometheus query that failed: unreachable, timed out, or refused. */
    public static final class PrometheusQueryException extends RuntimeException {
        PrometheusQueryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
