package io.gpuscale.adapter.prometheus;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.ModelLabel;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.metrics.ReadingsUnavailableException;
import io.gpuscale.adapter.metrics.ValueRange;
import io.gpuscale.common.Durations;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The same readings, answered by a Prometheus server that scrapes the agents
 * ({@code --prometheus URL}): one instant query per call to {@code /api/v1/query}, sent as a
 * form POST (a bulk query names up to {@value #MAX_ALTERNATIVES} pods or nodes and would not fit a
 * URL). The bulk calls ({@link #pods}, {@link #nodes}) ask for all their pods or nodes at once,
 * with a regular expression of the literal names, which Prometheus looks up name by name in its
 * index: a {@code pods/*} request costs one query, not one per pod.
 *
 * <p>An instant query's own timestamp is the evaluation time, not when the value was measured,
 * so each query asks for the samples' timestamps alongside the values and every reading carries
 * the time Prometheus scraped it. A query for a few series asks for each series' own
 * ({@code label_replace(timestamp(S), "gpuscale_field", "timestamp", "", "") or S}: every series
 * selected twice); a read of every GPU, or of at least as many nodes as there are agent targets,
 * selects each series once and asks for the sample time of each scrape target of the agents' jobs
 * instead ({@link #targetTimedQuery}: all samples of a scrape carry that scrape's time, {@code up}'s
 * too). Where Prometheus has no {@code up} for a series' target, that read is timed per series
 * again. Values older than Prometheus' lookback (5 min) are not returned at all.
 *
 * <p>Calls block for up to the timeout: call them off the event loop. A failed or timed-out query
 * throws {@link PrometheusQueryException}, after a warning in this class's log: one line per kind of
 * failure (unreachable, timed out, an HTTP status, an answer that is not a vector) a minute, with the
 * Prometheus URL (without user info or query) and the reason, and the count of the ones left out.
 */
public final class PrometheusMetrics implements GpuMetrics {
    private static final Logger LOG = System.getLogger(PrometheusMetrics.class.getName());
    static final String FIELD = "gpuscale_field";
    /** The most pods or nodes one bulk query names. */
    static final int MAX_ALTERNATIVES = 1000;
    /** Each GPU's model once, from its {@code nvidia_gpu_info} series. */
    static final String MODELS_QUERY = "group by (node, uuid, model) (nvidia_gpu_info)";
    /** How long the GPU models are kept without a refresh (see {@link GpuModelCache}). */
    static final Duration MODELS_FRESH = Duration.ofMinutes(1);
    /** How long they are answered at all while a refresh runs; older, a read of every GPU waits for it. */
    static final Duration MODELS_USABLE = Duration.ofMinutes(5);
    /** The most of a failure's text logged: Prometheus' own error may quote a long query. */
    private static final int MAX_REASON_CHARS = 300;
    /** How long reads are timed per series after Prometheus had no {@code up} for the agents' targets. */
    static final Duration UNTIMED_BACKOFF = Duration.ofMinutes(10);

    private final URI queryUri;
    private final OkHttpClient http;
    private final Duration timeout;
    private final GpuModelCache models;
    private final LongSupplier nanoClock;
    /** The server, as logged: scheme, host, port and path only. */
    private final String server;
    private final RepeatedLog failures;
    /** The jobs that scrape the agents, learned from answers; empty until the first. */
    private volatile Set<String> agentJobs = Set.of();
    /** How many scrape targets those jobs have (their {@code up} series); 0 until known. */
    private volatile int agentTargets;
    /** Until then, reads are timed per series: Prometheus had no {@code up} for the agents' targets. */
    private volatile long untimedUntilNanos;

    /**
     * @param baseUrl the Prometheus server, e.g. {@code http://prometheus.monitoring:9090}
     * @param timeout the most a query may take, connecting included
     */
    public PrometheusMetrics(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, System::nanoTime);
    }

    /** As above, with the clock the GPU models age by. */
    PrometheusMetrics(String baseUrl, Duration timeout, LongSupplier nanoClock) {
        this(baseUrl, timeout, nanoClock, Clock.systemUTC());
    }

    /** As above, with the clock that spaces the log lines of a repeating failure. */
    PrometheusMetrics(String baseUrl, Duration timeout, LongSupplier nanoClock, Clock logClock) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.queryUri = URI.create(base + "/api/v1/query");
        if (!"http".equals(queryUri.getScheme()) && !"https".equals(queryUri.getScheme())) {
            throw new IllegalArgumentException("--prometheus: not an http(s) URL: " + baseUrl);
        }
        this.server = logged(URI.create(base));
        this.failures = new RepeatedLog(LOG, logClock, RepeatedLog.MINUTE);
        // OkHttp, as the Kubernetes client: HTTP/1.1, or HTTP/2 where TLS negotiates it; the whole call bounded
        this.timeout = timeout;
        this.http = new OkHttpClient.Builder().connectTimeout(timeout).callTimeout(timeout).build();
        this.nanoClock = nanoClock;
        this.untimedUntilNanos = nanoClock.getAsLong();
        this.models = new GpuModelCache(this::fetchModels, MODELS_FRESH.toNanos(), MODELS_USABLE.toNanos(), nanoClock);
    }

    /** {@code url} as it may be logged: without user info, query or fragment. */
    static String logged(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    /** The PromQL for a series' values and their sample timestamps, selected by label equality. */
    static String query(String metric, Map<String, String> matchers) {
        List<String> rendered = new ArrayList<>();
        matchers.forEach((label, value) -> rendered.add(equal(label, value)));
        return query(metric, rendered);
    }

    /** The PromQL for a series' values and their sample timestamps, selected by rendered matchers. */
    static String query(String metric, List<String> matchers) {
        String selector = metric + "{" + String.join(",", matchers) + "}";
        return "label_replace(timestamp(" + selector + "), \"" + FIELD + "\", \"timestamp\", \"\", \"\") or " + selector;
    }

    /**
     * The PromQL for a metric's values, each series selected once, and the sample time of every
     * scrape target of {@code jobs} (of every target while they are not known): the samples of one
     * scrape share its timestamp, {@code up}'s included, so a series' sample time is its target's
     * {@code timestamp(up)}, matched by job and instance. Cheaper than {@link #query} where the
     * series outnumber the targets: a read of every GPU, or of many nodes.
     */
    static String targetTimedQuery(String metric, List<String> matchers, Collection<String> jobs) {
        String up = jobs.isEmpty() ? "up" : "up{" + anyOf("job", new TreeSet<>(jobs)) + "}";
        return metric + "{" + String.join(",", matchers) + "} or label_replace(timestamp(" + up + "), \"" + FIELD
                + "\", \"target\", \"\", \"\")";
    }

    static String equal(String label, String value) {
        return label + "=\"" + escape(value) + "\"";
    }

    /**
     * {@code label} is any of {@code values}: an equality for one, else a regular expression of
     * the quoted literals, the form Prometheus answers from its index one value at a time.
     */
    static String anyOf(String label, Collection<String> values) {
        if (values.size() == 1) {
            return equal(label, values.iterator().next());
        }
        StringBuilder regex = new StringBuilder();
        for (String v : values) {
            if (!regex.isEmpty()) {
                regex.append('|');
            }
            quoteRegex(v, regex);
        }
        return label + "=~\"" + escape(regex.toString()) + "\"";
    }

    /** RE2's metacharacters, backslash-quoted (Go's regexp.QuoteMeta). */
    private static void quoteRegex(String literal, StringBuilder out) {
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
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

    /**
     * One query per {@value #MAX_ALTERNATIVES} pods: {@code metric{namespace="ns",pod=~"a|b|..."}},
     * each pod's readings kept only from the node it runs on, as {@link #pod} selects them.
     */
    @Override
    public Map<String, List<Reading>> pods(String metric, String namespace, Map<String, String> nodeByPod) {
        Map<String, List<Reading>> out = new HashMap<>();
        nodeByPod.keySet().forEach(pod -> out.put(pod, new ArrayList<>()));
        for (List<String> chunk : chunks(nodeByPod.keySet())) {
            for (GpuReading r : readings(metric, query(metric, List.of(equal("namespace", namespace),
                    anyOf("pod", chunk))))) {
                String pod = r.labels().get("pod");
                String node = r.labels().get("node");
                if (pod != null && node != null && node.equals(nodeByPod.get(pod))) {
                    out.get(pod).add(r.reading());
                }
            }
        }
        return out;
    }

    /** One query per {@value #MAX_ALTERNATIVES} nodes: {@code metric{node=~"a|b|..."}}. */
    @Override
    public Map<String, List<Reading>> nodes(String metric, Collection<String> nodes) {
        Map<String, List<Reading>> out = new HashMap<>();
        nodes.forEach(node -> out.put(node, new ArrayList<>()));
        for (List<String> chunk : chunks(out.keySet())) {
            List<String> matchers = List.of(anyOf("node", chunk));
            // Each node has its series and its agent (one target): once the agents' targets are
            // known, a chunk naming as many nodes selects fewer series timed by target.
            int targets = agentTargets;
            List<GpuReading> readings = targets > 0 && chunk.size() >= targets ? targetTimedReadings(metric, matchers)
                    : readings(metric, query(metric, matchers));
            for (GpuReading r : readings) {
                List<Reading> list = out.get(r.labels().get("node"));
                if (list != null) {
                    list.add(r.reading());
                }
            }
        }
        return out;
    }

    private static List<List<String>> chunks(Collection<String> names) {
        List<String> all = new ArrayList<>(names);
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += MAX_ALTERNATIVES) {
            chunks.add(all.subList(i, Math.min(all.size(), i + MAX_ALTERNATIVES)));
        }
        return chunks;
    }

    /**
     * Every GPU's readings, each with its GPU's {@code model} label, from {@code nvidia_gpu_info}:
     * that map is kept for {@link #MODELS_FRESH} (refreshed in the background after that), so a GPU
     * that has just joined may be answered without its model for about that long.
     */
    @Override
    public List<GpuReading> gpus(String metric) {
        List<GpuReading> readings = targetTimedReadings(metric, List.of());
        Map<String, String> models = this.models.get();
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
     * The series of a value-and-timestamp query ({@link #query}), paired back up, in (node, gpu)
     * order; a value the metric cannot have ({@link ValueRange}) is left out, as the scraper leaves
     * it out.
     */
    private List<GpuReading> readings(String metric, String promql) {
        Answer answer = Answer.of(run(promql));
        return answer.readings(metric, Map.of());
    }

    /**
     * The readings of {@code metric{matchers}}, each series selected once and timed by its scrape
     * target ({@link #targetTimedQuery}); where that cannot time every series, the readings of
     * {@link #query} (each series selected twice). Learns, as it goes, which jobs scrape the agents
     * and how many targets they have.
     */
    private List<GpuReading> targetTimedReadings(String metric, List<String> matchers) {
        long now = nanoClock.getAsLong();
        if (now - untimedUntilNanos < 0) {
            return readings(metric, query(metric, matchers));
        }
        Set<String> jobs = agentJobs;
        Answer answer = Answer.of(run(targetTimedQuery(metric, matchers, jobs)));
        Set<String> seen = answer.valueJobs();
        Map<String, Double> times = answer.targetTimes(jobs.isEmpty() ? seen : jobs);
        if (answer.allTimedBy(times)) {
            if (jobs.isEmpty() && !seen.isEmpty()) {
                agentJobs = Set.copyOf(seen);
            }
            agentTargets = times.size();
            return answer.readings(metric, times);
        }
        if (!jobs.isEmpty() && !jobs.containsAll(seen)) {
            // A job not asked for (a new scrape config): ask for its targets too next time.
            Set<String> more = new HashSet<>(jobs);
            more.addAll(seen);
            agentJobs = Set.copyOf(more);
        } else {
            // Series without job and instance, or targets without up (e.g. a remote write that
            // forwards only the agents' series): the sample timestamps are read per series for a while.
            untimedUntilNanos = now + UNTIMED_BACKOFF.toNanos();
        }
        return readings(metric, query(metric, matchers));
    }

    /**
     * One instant query's vector, sorted out: the metric's series with their values and, where the
     * query asked, their own sample timestamps ({@code gpuscale_field="timestamp"}), and the sample
     * times of scrape targets ({@code gpuscale_field="target"}, by job and instance).
     */
    private record Answer(Map<Map<String, String>, double[]> series, Map<Map<String, String>, Double> targets) {
        static Answer of(JsonArray vector) {
            Map<Map<String, String>, double[]> series = new LinkedHashMap<>();
            Map<Map<String, String>, Double> targets = new HashMap<>();
            for (JsonElement o : vector) {
                JsonObject sample = o.getAsJsonObject();
                Map<String, String> labels = new LinkedHashMap<>();
                sample.getAsJsonObject("metric").entrySet().forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
                labels.remove("__name__");
                String field = labels.remove(FIELD);
                JsonArray value = sample.getAsJsonArray("value");
                double evaluatedAt = value.get(0).getAsDouble();
                double v = Double.parseDouble(value.get(1).getAsString().replace("Inf", "Infinity"));
                if ("target".equals(field)) {
                    targets.put(labels, v);
                    continue;
                }
                double[] pair = series.computeIfAbsent(labels, k -> new double[] {Double.NaN, Double.NaN, evaluatedAt});
                pair[field != null ? 1 : 0] = v;
            }
            return new Answer(series, targets);
        }

        /** The jobs of the metric's series. */
        Set<String> valueJobs() {
            Set<String> jobs = new HashSet<>();
            series.keySet().forEach(labels -> {
                if (labels.get("job") != null) {
                    jobs.add(labels.get("job"));
                }
            });
            return jobs;
        }

        /** The sample time of each target of these jobs, by {@link #targetKey}. */
        Map<String, Double> targetTimes(Set<String> jobs) {
            Map<String, Double> times = new HashMap<>();
            targets.forEach((labels, at) -> {
                String key = targetKey(labels);
                if (!key.isEmpty() && jobs.contains(labels.get("job"))) {
                    times.put(key, at);
                }
            });
            return times;
        }

        boolean allTimedBy(Map<String, Double> times) {
            for (var e : series.entrySet()) {
                if (Double.isNaN(e.getValue()[1]) && !times.containsKey(targetKey(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        private static String targetKey(Map<String, String> labels) {
            String job = labels.get("job");
            String instance = labels.get("instance");
            return job == null || instance == null ? "" : job + "\n" + instance;
        }

        /** The readings, timed by their own sample timestamp, else their target's, else the evaluation time. */
        List<GpuReading> readings(String metric, Map<String, Double> targetTimes) {
            List<GpuReading> readings = new ArrayList<>();
            series.forEach((labels, pair) -> {
                if ((!Double.isNaN(pair[0]) || !Double.isNaN(pair[1])) && ValueRange.valid(metric, pair[0])) {
                    double seconds = !Double.isNaN(pair[1]) ? pair[1]
                            : targetTimes.getOrDefault(targetKey(labels), pair[2]);
                    readings.add(new GpuReading(labels, new Reading(pair[0], Math.round(seconds * 1000))));
                }
            });
            readings.removeIf(r -> r.labels().isEmpty() && Double.isNaN(r.reading().value()));
            readings.sort(Comparator.comparing((GpuReading r) -> r.labels().getOrDefault("node", ""))
                    .thenComparing(r -> gpuIndex(r.labels().get("gpu"))));
            return readings;
        }
    }

    private static long gpuIndex(String gpu) {
        try {
            return gpu == null ? Long.MAX_VALUE : Long.parseLong(gpu);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Reads the GPU models without blocking the caller: {@code node/uuid} to model. */
    private CompletableFuture<Map<String, String>> fetchModels() {
        CompletableFuture<Map<String, String>> models = new CompletableFuture<>();
        http.newCall(request(MODELS_QUERY)).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                models.completeExceptionally(failed(e));
            }

            @Override
            public void onResponse(Call call, Response response) {
                try (response) {
                    Map<String, String> byGpu = new HashMap<>();
                    for (JsonElement o : vector(response.code(), response.body().string(), MODELS_QUERY)) {
                        JsonObject labels = o.getAsJsonObject().getAsJsonObject("metric");
                        if (labels.has("model") && labels.has("node") && labels.has("uuid")) {
                            byGpu.put(labels.get("node").getAsString() + "/" + labels.get("uuid").getAsString(),
                                    labels.get("model").getAsString());
                        }
                    }
                    models.complete(byGpu);
                } catch (IOException e) {
                    models.completeExceptionally(failed(e));
                } catch (RuntimeException e) {
                    models.completeExceptionally(e);
                }
            }
        });
        return models;
    }

    private Request request(String promql) {
        return new Request.Builder().url(queryUri.toString()).header("Accept", "application/json")
                .post(new FormBody.Builder().add("query", promql).build()).build();
    }

    /** Runs an instant query; its result vector. */
    private JsonArray run(String promql) {
        try (Response response = http.newCall(request(promql)).execute()) {
            return vector(response.code(), response.body().string(), promql);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new PrometheusQueryException("Prometheus query interrupted", e);
            }
            throw failed(e);
        }
    }

    /** The result vector of an instant query's answer. */
    private JsonArray vector(int status, String text, String promql) {
        JsonObject body;
        try {
            body = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw failed("HTTP " + status + " without JSON",
                    new PrometheusQueryException("Prometheus answered HTTP " + status + " without JSON", e));
        }
        if (status != 200 || !"success".equals(string(body, "status"))) {
            String errorType = string(body, "errorType");
            throw failed("HTTP " + status + (errorType == null ? "" : " " + errorType),
                    new PrometheusQueryException("Prometheus answered HTTP " + status + ": "
                            + errorType + ": " + string(body, "error"), null));
        }
        JsonObject data = body.has("data") && body.get("data").isJsonObject() ? body.getAsJsonObject("data") : null;
        if (data == null || !"vector".equals(string(data, "resultType")) || !data.has("result")
                || !data.get("result").isJsonArray()) {
            throw failed("no vector", new PrometheusQueryException("Prometheus answered no vector for " + promql, null),
                    "the answer is not an instant vector");
        }
        return data.getAsJsonArray("result");
    }

    /** A string member, or null where there is none (or it is not a string). */
    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    /** A query that could not be sent or answered ({@code cause}): logged by its kind, and its exception. */
    private PrometheusQueryException failed(IOException cause) {
        String kind = cause instanceof InterruptedIOException ? "timed out" : "unreachable";
        return failed(kind, new PrometheusQueryException("Prometheus query failed: " + describe(cause), cause));
    }

    /** What went wrong, in our words: timed out, connection refused, unknown host, else the message. */
    private String describe(IOException e) {
        if (e instanceof InterruptedIOException) {
            return "no answer within " + Durations.format(timeout);
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "connection failed (" + e.getClass().getSimpleName() + ")" : m;
    }

    /**
     * Logs a failed query, once a minute per {@code kind} with the count of the ones in between;
     * returns {@code e} to throw.
     */
    private PrometheusQueryException failed(String kind, PrometheusQueryException e) {
        return failed(kind, e, e.getMessage());
    }

    private PrometheusQueryException failed(String kind, PrometheusQueryException e, String reason) {
        String shortReason = reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) + "..." : reason;
        failures.log(Level.WARNING, kind, "Prometheus query failed (" + kind + "): readings from it are "
                + "unavailable until it answers", LogFields.of("prometheus", server, "reason", shortReason));
        return e;
    }

    /** A Prometheus query that failed: unreachable, timed out, or refused. Logged here, once per kind. */
    public static final class PrometheusQueryException extends ReadingsUnavailableException {
        private static final long serialVersionUID = 1L;

        PrometheusQueryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
