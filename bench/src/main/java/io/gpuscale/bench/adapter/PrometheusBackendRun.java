package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.prometheus.PrometheusMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The Prometheus backend at fleet size, the Java half of {@code bench/load/prometheus-backend.sh}:
 * <ol>
 * <li>serves the {@link LargeFleet} (5,000 nodes, 60,000 pods by default) as {@code --target-ports}
 *     stand-in scrape targets on 127.0.0.1, each a slice of the nodes in the agent's format (the
 *     script's Prometheus scrapes them with {@code honor_labels}), cycling through
 *     {@value LargeFleet#VARIANTS} value sets scrape after scrape;</li>
 * <li>waits until Prometheus ({@code --prometheus URL}) holds every pod's series from every target,
 *     then two more scrape intervals;</li>
 * <li>checks the answers (the 100 pods of the selector, each the value it was served, all from one
 *     scrape; the bulk read equals the one-by-one reads), then measures each query shape through
 *     the adapter's {@link MetricsApi} over the real {@link PrometheusMetrics} and a
 *     {@link SnapshotClusterView} of the fleet, in process (no HTTPS, no response cache): one
 *     request after another for {@code --seconds}, after {@code --warmup-seconds}, for
 *     {@code --rounds} rounds, latencies into an HdrHistogram;</li>
 * <li>prints per round and shape: requests, errors, p50/p99/max, Prometheus' CPU (its
 *     {@code process_cpu_seconds_total}) and RSS, this JVM's CPU, the load average; then
 *     min/median/max over the rounds.</li>
 * </ol>
 */
public final class PrometheusBackendRun {
    private static final String CUSTOM = "/apis/custom.metrics.k8s.io/v1beta2/";
    private static final String NAMESPACE = "team-07";
    private static final String SELECTOR = "labelSelector=app%3Dapp-3";

    private PrometheusBackendRun() {
    }

    /** A query shape; {@code key} is what {@code --shapes} names it by. */
    private record Shape(String key, String name, Supplier<Integer> call) {
    }

    private record Round(long requests, long errors, double p50, double p99, double max, double promCpu,
            double promRssMiB, double jvmCpu, String load) {
    }

    public static void main(String[] args) throws Exception {
        int nodes = 5000;
        int[] ports = null;
        String prometheus = null;
        Duration scrape = Duration.ofSeconds(15);
        Duration timeout = Duration.ofSeconds(10);
        int rounds = 3;
        int warmupSeconds = 5;
        int seconds = 20;
        Path ready = null;
        int holdSeconds = 0;
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--target-ports" -> ports = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--prometheus" -> prometheus = args[++i];
                case "--scrape-interval-seconds" -> scrape = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--timeout-ms" -> timeout = Duration.ofMillis(Long.parseLong(args[++i]));
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--targets-ready-file" -> ready = Path.of(args[++i]);
                case "--hold-seconds" -> holdSeconds = Integer.parseInt(args[++i]);
                case "--shapes" -> {
                    String keys = args[++i];
                    only = keys.isBlank() ? List.of() : List.of(keys.split(","));
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (known: --nodes N,"
                        + " --target-ports P,P,..., --prometheus URL, --scrape-interval-seconds S, --timeout-ms MS,"
                        + " --rounds N, --warmup-seconds S, --seconds S, --targets-ready-file F, --hold-seconds S,"
                        + " --shapes a,b,b',namespace,c,nodes)");
            }
        }
        if (ports == null || prometheus == null) {
            throw new IllegalArgumentException("--target-ports and --prometheus are required");
        }
        if (nodes * LargeFleet.PODS_PER_NODE < 8 * LargeFleet.PODS_PER_NAMESPACE) {
            throw new IllegalArgumentException("--nodes: at least 667, so that namespace " + NAMESPACE + " is full");
        }
        LargeFleet fleet = new LargeFleet(nodes);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try {
            serveTargets(vertx, fleet, ports);
            if (ready != null) {
                Files.writeString(ready, "ready\n");
            }
            run(fleet, ports.length, prometheus, scrape, timeout, rounds, warmupSeconds, seconds, holdSeconds, only);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Target {@code s} serves nodes [s·n/targets, (s+1)·n/targets). */
    private static void serveTargets(Vertx vertx, LargeFleet fleet, int[] ports) throws Exception {
        long t0 = System.nanoTime();
        int targets = ports.length;
        for (int s = 0; s < targets; s++) {
            int from = s * fleet.nodes / targets;
            int to = (s + 1) * fleet.nodes / targets;
            Buffer[] variants = new Buffer[LargeFleet.VARIANTS];
            for (int v = 0; v < variants.length; v++) {
                variants[v] = Buffer.buffer(fleet.exposition(from, to, v));
            }
            AtomicLong scrapes = new AtomicLong();
            HttpServer server = vertx.createHttpServer().requestHandler(req -> {
                if (!req.path().equals("/metrics")) {
                    req.response().setStatusCode(404).end();
                    return;
                }
                Buffer body = variants[(int) (scrapes.getAndIncrement() % variants.length)];
                Buffer times = Buffer.buffer(fleet.sampleTimes(from, to, System.currentTimeMillis()));
                req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .putHeader("Content-Length", Integer.toString(body.length() + times.length()))
                        .write(body);
                req.response().end(times);
            });
            server.listen(ports[s], "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        System.out.printf(Locale.ROOT, "# targets: %d on 127.0.0.1:%s, %d nodes, %d pods, %d series (%d a node),"
                        + " %d value sets, rendered in %d ms%n", targets, Arrays.toString(ports), fleet.nodes,
                fleet.pods(), fleet.nodes * LargeFleet.SERIES_PER_NODE, LargeFleet.SERIES_PER_NODE,
                LargeFleet.VARIANTS, (System.nanoTime() - t0) / 1_000_000);
    }

    private static void run(LargeFleet fleet, int targets, String prometheus, Duration scrape, Duration timeout,
            int rounds, int warmupSeconds, int seconds, int holdSeconds, List<String> only) throws Exception {
        long t0 = System.nanoTime();
        SnapshotClusterView cluster = fleet.cluster();
        System.out.printf(Locale.ROOT, "# cluster view: %d pods in %d namespaces, %d nodes, parsed in %d ms%n",
                fleet.pods(), (fleet.pods() + LargeFleet.PODS_PER_NAMESPACE - 1) / LargeFleet.PODS_PER_NAMESPACE,
                fleet.nodes, (System.nanoTime() - t0) / 1_000_000);
        PromClient prom = new PromClient(prometheus);

        long waitStart = System.nanoTime();
        long deadline = System.currentTimeMillis() + 20 * scrape.toMillis() + 120_000;
        while (true) {
            double up = prom.scalar("count(up{job=\"fleet\"} == 1)");
            double pods = prom.scalar("count(nvidia_gpu_pod_utilization_percent)");
            if (up == targets && pods == fleet.pods()) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Prometheus holds " + pods + " of " + fleet.pods() + " pod series, "
                        + up + " of " + targets + " targets up, after " + (System.nanoTime() - waitStart) / 1_000_000_000
                        + " s");
            }
            Thread.sleep(1000);
        }
        System.out.printf(Locale.ROOT, "# Prometheus holds every pod series after %d s; waiting two scrape intervals%n",
                (System.nanoTime() - waitStart) / 1_000_000_000);
        Thread.sleep(2 * scrape.toMillis());

        // Prometheus alone, scraping and storing: one scrape interval, twice over.
        Map<String, Double> before = prom.self();
        Thread.sleep(2 * scrape.toMillis());
        Map<String, Double> after = prom.self();
        System.out.printf(Locale.ROOT, "# Prometheus idle (scraping only): CPU %.1f %% of a core over %d s, RSS %.0f MiB,"
                        + " head series %.0f, Go heap in use %.0f MiB; scrape durations: %s; load average %s%n",
                100 * (after.get("process_cpu_seconds_total") - before.get("process_cpu_seconds_total"))
                        / (2 * scrape.toSeconds()),
                2 * scrape.toSeconds(), after.get("process_resident_memory_bytes") / (1 << 20),
                after.get("prometheus_tsdb_head_series"), after.get("go_memstats_heap_inuse_bytes") / (1 << 20),
                prom.scrapeDurations(), loadAverage());

        PrometheusMetrics backend = new PrometheusMetrics(prometheus, timeout);
        ApiOptions options = ApiOptions.defaults().withExternalMetrics(true).withMaxAge(scrape.multipliedBy(3));
        MetricsApi api = new MetricsApi(backend, cluster, options);
        List<Integer> matching = new ArrayList<>();
        Map<String, String> nodeByPod = new LinkedHashMap<>();
        for (int k = 7 * LargeFleet.PODS_PER_NAMESPACE; k < 8 * LargeFleet.PODS_PER_NAMESPACE && k < fleet.pods(); k++) {
            if (LargeFleet.app(k).equals("app-3")) {
                matching.add(k);
                nodeByPod.put(LargeFleet.pod(k), LargeFleet.node(k / LargeFleet.PODS_PER_NODE));
            }
        }
        check(api, backend, matching, nodeByPod, scrape);
        checkWholeFleet(new PrometheusMetrics(prometheus, Duration.ofMinutes(1)), fleet);
        if (holdSeconds > 0) {
            // For looking at Prometheus by hand (curl, pprof) with the fleet in it.
            System.out.printf("# holding for %d s: Prometheus at %s%n", holdSeconds, prometheus);
            Thread.sleep(holdSeconds * 1000L);
        }

        String onePod = LargeFleet.pod(matching.get(0));
        Histogram ages = new Histogram(3_600_000L, 3);
        List<Shape> shapes = List.of(
                new Shape("a", "(a) pods/" + onePod, () -> {
                    ApiResponse r = api.handle("GET", CUSTOM + "namespaces/" + NAMESPACE + "/pods/" + onePod
                            + "/nvidia_gpu_utilization_percent", null, Instant.now());
                    if (r.code() == 200) {
                        String ts = new JsonObject(r.body().render()).getJsonArray("items").getJsonObject(0)
                                .getString("timestamp");
                        ages.recordValue(Math.max(0, System.currentTimeMillis() - Instant.parse(ts).toEpochMilli()));
                    }
                    return r.code();
                }),
                new Shape("b", "(b) pods/* app=app-3 (100 of 1000)", () -> api.handle("GET", CUSTOM + "namespaces/" + NAMESPACE
                        + "/pods/*/nvidia_gpu_utilization_percent", SELECTOR, Instant.now()).code()),
                new Shape("b'", "(b') 100 one-pod reads (before)", () -> {
                    for (Map.Entry<String, String> p : nodeByPod.entrySet()) {
                        backend.pod("nvidia_gpu_pod_utilization_percent", p.getValue(), NAMESPACE, p.getKey());
                    }
                    return 200;
                }),
                new Shape("namespace", "namespaces/" + NAMESPACE + "/metrics (1000 pods)", () -> api.handle("GET", CUSTOM + "namespaces/"
                        + NAMESPACE + "/metrics/nvidia_gpu_utilization_percent", null, Instant.now()).code()),
                new Shape("c", "(c) external, all " + fleet.nodes * LargeFleet.GPUS + " GPUs", () -> api.handle("GET",
                        "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/nvidia_gpu_utilization_percent", null,
                        Instant.now()).code()),
                // After (c): the backend reads as many nodes as agent targets timed by target once a
                // read of every GPU has told it the agents' jobs and targets, as in a running adapter.
                new Shape("nodes", "nodes/* (" + fleet.nodes + " nodes)", () -> api.handle("GET", CUSTOM
                        + "nodes/*/nvidia_gpu_utilization_percent", null, Instant.now()).code()))
                .stream().filter(shape -> only.isEmpty() || only.contains(shape.key)).toList();

        Map<String, List<Round>> results = new LinkedHashMap<>();
        System.out.printf("%-38s %5s %8s %6s %10s %10s %10s %9s %9s %8s %6s%n", "shape (round)", "n", "errors", "",
                "p50 ms", "p99 ms", "max ms", "prom CPU", "prom RSS", "JVM CPU", "load");
        for (int round = 1; round <= rounds; round++) {
            for (Shape shape : shapes) {
                Round r = measure(shape, prom, warmupSeconds, seconds);
                results.computeIfAbsent(shape.name, k -> new ArrayList<>()).add(r);
                System.out.printf(Locale.ROOT, "%-38s %5d %8d %6s %10.2f %10.2f %10.2f %8.0f%% %6.0f MiB %7.0f%% %6s%n",
                        shape.name + " (" + round + ")", r.requests, r.errors, "", r.p50, r.p99, r.max, r.promCpu,
                        r.promRssMiB, r.jvmCpu, r.load);
            }
        }
        System.out.println();
        System.out.println("# min / median / max over " + rounds + " rounds");
        System.out.printf("%-38s %22s %22s %22s %18s %20s%n", "shape", "p50 ms", "p99 ms", "max ms", "prom CPU %",
                "prom RSS MiB");
        results.forEach((name, rs) -> System.out.printf(Locale.ROOT, "%-38s %22s %22s %22s %18s %20s%n", name,
                spread(rs, Round::p50, "%.2f"), spread(rs, Round::p99, "%.2f"), spread(rs, Round::max, "%.2f"),
                spread(rs, Round::promCpu, "%.0f"), spread(rs, Round::promRssMiB, "%.0f")));
        if (ages.getTotalCount() > 0) {
            System.out.printf(Locale.ROOT, "# age of (a)'s answers (now - sample timestamp), scrape every %d s: p50 %d ms,"
                            + " p99 %d ms, max %d ms over %d answers%n", scrape.toSeconds(), ages.getValueAtPercentile(50),
                    ages.getValueAtPercentile(99), ages.getMaxValue(), ages.getTotalCount());
        }
        System.out.printf("# scrape durations at the end: %s; load average %s%n", prom.scrapeDurations(), loadAverage());
    }

    /** The answers are the served values: 100 pods, each its own value, all from one scrape. */
    private static void check(MetricsApi api, PrometheusMetrics backend, List<Integer> matching,
            Map<String, String> nodeByPod, Duration scrape) {
        String why = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            ApiResponse r = api.handle("GET", CUSTOM + "namespaces/" + NAMESPACE + "/pods/*/nvidia_gpu_utilization_percent",
                    SELECTOR, Instant.now());
            Map<String, List<Reading>> oneByOne = new LinkedHashMap<>();
            nodeByPod.forEach((pod, node) -> oneByOne.put(pod, backend.pod("nvidia_gpu_pod_utilization_percent", node,
                    NAMESPACE, pod)));
            Map<String, List<Reading>> bulk = backend.pods("nvidia_gpu_pod_utilization_percent", NAMESPACE, nodeByPod);
            why = mismatch(r, matching, scrape);
            if (why == null && !values(bulk).equals(values(oneByOne))) {
                why = "the bulk read differs from the one-by-one reads";
            }
            if (why == null) {
                System.out.println("# check: pods/* answers the 100 pods with their served values, all from one scrape;"
                        + " the bulk read equals 100 one-pod reads");
                return;
            }
        }
        throw new IllegalStateException("wrong answer: " + why);
    }

    /**
     * A read of every GPU (one selection per series, timed by target) holds every GPU with its
     * model, and the same values and sample times as per-series reads of the same nodes taken
     * around it (compared only when those two agree, i.e. no scrape landed in between).
     */
    private static void checkWholeFleet(PrometheusMetrics checker, LargeFleet fleet) {
        String metric = "nvidia_gpu_utilization_percent";
        List<String> sample = new ArrayList<>();
        // Nodes of one target (the first), so that only its scrapes can land between the reads.
        for (int n = 0; n < 10; n++) {
            sample.add(LargeFleet.node(n));
        }
        String why = "no two per-series reads around it agreed (a scrape landed between them every time)";
        for (int attempt = 0; attempt < 10; attempt++) {
            Map<String, List<Reading>> before = perSeries(checker, metric, sample);
            List<io.gpuscale.adapter.metrics.GpuReading> all = checker.gpus(metric);
            Map<String, List<Reading>> after = perSeries(checker, metric, sample);
            if (all.size() != fleet.nodes * LargeFleet.GPUS) {
                throw new IllegalStateException("wrong answer: " + all.size() + " GPUs, not " + fleet.nodes * LargeFleet.GPUS);
            }
            if (!all.stream().allMatch(g -> "NVIDIA-H100-80GB-HBM3".equals(g.labels().get("model")))) {
                throw new IllegalStateException("wrong answer: a GPU without its model");
            }
            if (!before.equals(after)) {
                continue;
            }
            Map<String, List<Reading>> whole = new LinkedHashMap<>();
            sample.forEach(node -> whole.put(node, new ArrayList<>()));
            all.stream().filter(g -> whole.containsKey(g.labels().get("node")))
                    .forEach(g -> whole.get(g.labels().get("node")).add(g.reading()));
            if (!whole.equals(before)) {
                throw new IllegalStateException("wrong answer: the read of every GPU differs from per-series reads of "
                        + "the same nodes: " + whole.get(sample.get(0)) + " vs " + before.get(sample.get(0)));
            }
            System.out.println("# check: a read of every GPU holds all " + all.size() + " with their model, and the "
                    + "values and sample times of per-series reads of " + sample.size() + " of their nodes");
            return;
        }
        throw new IllegalStateException("wrong answer: " + why);
    }

    /** One {@link PrometheusMetrics#node} read (each series with its own timestamp) per node. */
    private static Map<String, List<Reading>> perSeries(PrometheusMetrics backend, String metric, List<String> nodes) {
        Map<String, List<Reading>> out = new LinkedHashMap<>();
        nodes.forEach(node -> out.put(node, backend.node(metric, node)));
        return out;
    }

    private static Map<String, List<Double>> values(Map<String, List<Reading>> readings) {
        Map<String, List<Double>> out = new LinkedHashMap<>();
        readings.forEach((pod, rs) -> out.put(pod, rs.stream().map(Reading::value).toList()));
        return out;
    }

    private static String mismatch(ApiResponse r, List<Integer> matching, Duration scrape) {
        if (r.code() != 200) {
            return "HTTP " + r.code() + ": " + r.body().render();
        }
        JsonArray items = new JsonObject(r.body().render()).getJsonArray("items");
        if (items.size() != matching.size()) {
            return items.size() + " items, not " + matching.size();
        }
        Map<String, Double> answered = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            JsonObject item = items.getJsonObject(i);
            answered.put(item.getJsonObject("describedObject").getString("name"), quantity(item.getString("value")));
            long age = System.currentTimeMillis() - Instant.parse(item.getString("timestamp")).toEpochMilli();
            if (age > 2 * scrape.toMillis()) {
                return "a reading " + age + " ms old";
            }
        }
        for (int v = 0; v < LargeFleet.VARIANTS; v++) {
            int variant = v;
            if (matching.stream().allMatch(k -> Double.valueOf(LargeFleet.podUtilization(k, variant))
                    .equals(answered.get(LargeFleet.pod(k))))) {
                return null;
            }
        }
        return "the values are not one scrape's: " + answered;
    }

    private static double quantity(String q) {
        return q.endsWith("m") ? Double.parseDouble(q.substring(0, q.length() - 1)) / 1000 : Double.parseDouble(q);
    }

    private static Round measure(Shape shape, PromClient prom, int warmupSeconds, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        while (System.nanoTime() < end) {
            call(shape);
        }
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long errors = 0;
        String load = loadAverage();
        Map<String, Double> p0 = prom.self();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long jvm0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        end = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            long t = System.nanoTime();
            boolean ok = call(shape);
            long took = System.nanoTime() - t;
            if (ok) {
                h.recordValue(Math.min(took, h.getHighestTrackableValue()));
            } else {
                errors++;
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        long jvm1 = os.getProcessCpuTime();
        Map<String, Double> p1 = prom.self();
        return new Round(h.getTotalCount(), errors, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getMaxValue() / 1e6,
                100 * (p1.get("process_cpu_seconds_total") - p0.get("process_cpu_seconds_total")) / wall,
                p1.get("process_resident_memory_bytes") / (1 << 20), 100 * (jvm1 - jvm0) / 1e9 / wall, load);
    }

    private static String firstError;

    private static boolean call(Shape shape) {
        try {
            int code = shape.call.get();
            if (code != 200 && firstError == null) {
                firstError = shape.name + ": HTTP " + code;
                System.out.println("# first error: " + firstError);
            }
            return code == 200;
        } catch (RuntimeException e) {
            if (firstError == null) {
                firstError = shape.name + ": " + e;
                System.out.println("# first error: " + firstError);
            }
            return false;
        }
    }

    private static String spread(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f, String format) {
        double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
        return String.format(Locale.ROOT, format + " / " + format + " / " + format, v[0], v[v.length / 2], v[v.length - 1]);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** Prometheus' own API and metrics, for the run's waiting and accounting (not the adapter's path). */
    private static final class PromClient {
        private final String base;
        private final HttpClient http = HttpClient.newHttpClient();

        PromClient(String base) {
            this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        }

        private String get(String pathAndQuery) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Prometheus " + pathAndQuery + ": HTTP " + r.statusCode() + " " + r.body());
            }
            return r.body();
        }

        private JsonArray query(String promql) throws Exception {
            return new JsonObject(get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                    .getJsonObject("data").getJsonArray("result");
        }

        /** A one-element query's value; NaN when Prometheus is not up yet or the result is empty. */
        double scalar(String promql) {
            try {
                JsonArray result = query(promql);
                return result.isEmpty() ? Double.NaN : Double.parseDouble(result.getJsonObject(0).getJsonArray("value")
                        .getString(1));
            } catch (Exception e) {
                return Double.NaN;
            }
        }

        String scrapeDurations() throws Exception {
            JsonArray r = query("scrape_duration_seconds{job=\"fleet\"}");
            double max = 0;
            double sum = 0;
            for (int i = 0; i < r.size(); i++) {
                double v = Double.parseDouble(r.getJsonObject(i).getJsonArray("value").getString(1));
                max = Math.max(max, v);
                sum += v;
            }
            return String.format(Locale.ROOT, "%d targets, mean %.2f s, max %.2f s", r.size(),
                    r.isEmpty() ? 0 : sum / r.size(), max);
        }

        /** Prometheus' own process and TSDB gauges, from its {@code /metrics}. */
        Map<String, Double> self() throws Exception {
            Map<String, Double> out = new LinkedHashMap<>();
            for (String line : get("/metrics").split("\n")) {
                for (String name : List.of("process_cpu_seconds_total", "process_resident_memory_bytes",
                        "prometheus_tsdb_head_series", "go_memstats_heap_inuse_bytes")) {
                    if (line.startsWith(name + " ")) {
                        out.put(name, Double.parseDouble(line.substring(name.length() + 1).trim()));
                    }
                }
            }
            return out;
        }
    }
}
