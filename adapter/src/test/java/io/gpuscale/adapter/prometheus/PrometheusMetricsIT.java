package io.gpuscale.adapter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.scrape.AgentScraper;
import io.gpuscale.adapter.scrape.AgentTarget;
import io.gpuscale.adapter.scrape.ScrapeOptions;
import io.gpuscale.adapter.scrape.StaticAgentTargets;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.PrometheusServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus scrapes a sim agent; the Prometheus backend answers what the store answers. */
class PrometheusMetricsIT {
    private static final String NODE = "gpu-node-1";

    @TempDir
    static Path dir;

    private static Agent agent;
    private static PrometheusServer prometheus;
    private static PrometheusMetrics backend;
    private static Vertx vertx;
    private static MetricStore store;
    private static AgentScraper scraper;
    private static io.vertx.core.http.HttpServer hostile;

    @BeforeAll
    static void start() throws Exception {
        // Something answering on an agent's port with values no metric can have (and one valid one).
        String labels = "node=\"evil\",gpu=\"0\",uuid=\"GPU-evil\"";
        hostile = Vertx.vertx().createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4")
                .end("nvidia_gpu_utilization_percent{" + labels + "} 250\n"
                        + "nvidia_gpu_memory_used_bytes{" + labels + "} -5\n"
                        + "nvidia_gpu_temperature_celsius{" + labels + "} 61\n"))
                .listen(0, "127.0.0.1").await();
        agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090@steady:80,rtx3060@idle"),
                NODE, Duration.ofMillis(500), AgentConfig.DEFAULT_NVML_LIBRARY));
        prometheus = PrometheusServer.start(dir, PrometheusServer.staticJob("gpuscale-agent", "127.0.0.1:" + agent.port())
                + PrometheusServer.staticJob("hostile", "127.0.0.1:" + hostile.actualPort()));
        backend = new PrometheusMetrics(prometheus.url(), Duration.ofSeconds(5));

        vertx = Vertx.vertx();
        store = new MetricStore();
        scraper = new AgentScraper(vertx, new StaticAgentTargets(List.of(
                new AgentTarget("http://127.0.0.1:" + agent.port() + "/metrics", null))), store, ScrapeOptions.DEFAULTS);
        // A loaded machine can miss one scrape's deadline: scrape until the store holds the agent's GPUs.
        Eventually.await(Duration.ofSeconds(60), "the store to hold the agent's GPUs", () -> {
            try {
                scraper.scrapeOnce().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return store.node("nvidia_gpu_utilization_percent", NODE).size() == 2 ? Boolean.TRUE : null;
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (scraper != null) {
            scraper.close();
        }
        if (vertx != null) {
            vertx.close().await();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (hostile != null) {
            hostile.close().await();
        }
    }

    private static List<Reading> whenPrometheusHas(String what, java.util.function.Supplier<List<Reading>> query, int count) {
        return Eventually.await(Duration.ofSeconds(60), what, () -> {
            List<Reading> r = query.get();
            return r.size() == count ? r : null;
        });
    }

    @Test
    void nodeReadingsAreTheStoresWithPrometheusSampleTimes() {
        List<Reading> fromPrometheus = whenPrometheusHas("both GPUs in Prometheus",
                () -> backend.node("nvidia_gpu_utilization_percent", NODE), 2);
        List<Reading> fromStore = store.node("nvidia_gpu_utilization_percent", NODE);

        assertThat(fromPrometheus).extracting(Reading::value).containsExactly(80.0, 0.0)
                .isEqualTo(fromStore.stream().map(Reading::value).toList());
        long now = System.currentTimeMillis();
        assertThat(fromPrometheus).allSatisfy(r -> assertThat(r.timestampMillis()).isBetween(now - 10_000, now));
        // Sample times, not the query's evaluation time: scrapes are a second apart, queries are not aligned to them.
        assertThat(fromPrometheus.get(0).timestampMillis() % 1000).isEqualTo(fromPrometheus.get(1).timestampMillis() % 1000);
    }

    @Test
    void podReadingsAreTheStoresForEveryPodOfTheNode() throws Exception {
        Matcher m = Pattern.compile("nvidia_gpu_pod_utilization_percent\\{[^}]*namespace=\"([^\"]+)\",pod=\"([^\"]+)\"")
                .matcher(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port()
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
        List<String[]> pods = new ArrayList<>();
        while (m.find()) {
            pods.add(new String[] {m.group(1), m.group(2)});
        }
        assertThat(pods).isNotEmpty();
        for (String[] pod : pods) {
            List<Reading> fromStore = store.pod("nvidia_gpu_pod_utilization_percent", NODE, pod[0], pod[1]);
            List<Reading> fromPrometheus = whenPrometheusHas("pod " + pod[1],
                    () -> backend.pod("nvidia_gpu_pod_utilization_percent", NODE, pod[0], pod[1]), fromStore.size());
            assertThat(fromPrometheus).extracting(Reading::value)
                    .containsExactlyElementsOf(fromStore.stream().map(Reading::value).toList());
        }
        assertThat(backend.pod("nvidia_gpu_pod_utilization_percent", NODE, "demo", "no-such-pod")).isEmpty();
    }

    @Test
    void bulkReadsAnswerWhatTheOneByOneReadsAnswer() throws Exception {
        Matcher m = Pattern.compile("nvidia_gpu_pod_memory_used_bytes\\{[^}]*namespace=\"([^\"]+)\",pod=\"([^\"]+)\"")
                .matcher(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port()
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
        String metric = "nvidia_gpu_pod_memory_used_bytes";
        Map<String, Map<String, String>> byNamespace = new TreeMap<>();
        while (m.find()) {
            byNamespace.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(m.group(2), NODE);
        }
        assertThat(byNamespace).isNotEmpty();
        for (var e : byNamespace.entrySet()) {
            String namespace = e.getKey();
            Map<String, String> asked = new HashMap<>(e.getValue());
            String aPod = asked.keySet().iterator().next();
            whenPrometheusHas("pod " + aPod, () -> backend.pod(metric, NODE, namespace, aPod),
                    store.pod(metric, NODE, namespace, aPod).size());
            asked.put("no-such-pod", NODE);
            asked.put(aPod + "-elsewhere", "another-node");

            Map<String, List<Reading>> bulk = backend.pods(metric, namespace, asked);

            assertThat(bulk.keySet()).isEqualTo(asked.keySet());
            for (var pod : asked.entrySet()) {
                assertThat(bulk.get(pod.getKey())).as(pod.getKey()).extracting(Reading::value).containsExactlyElementsOf(
                        store.pod(metric, pod.getValue(), namespace, pod.getKey()).stream().map(Reading::value).toList());
            }
            // A pod's series count only from the node it runs on, as the one-pod read selects them.
            assertThat(backend.pods(metric, namespace, Map.of(aPod, "another-node")).get(aPod)).isEmpty();
        }

        Map<String, List<Reading>> nodes = backend.nodes("nvidia_gpu_utilization_percent",
                List.of(NODE, "evil", "no-such-node"));
        assertThat(nodes.keySet()).containsExactlyInAnyOrder(NODE, "evil", "no-such-node");
        assertThat(nodes.get(NODE)).isEqualTo(backend.node("nvidia_gpu_utilization_percent", NODE));
        assertThat(nodes.get("evil")).as("250 % is out of range").isEmpty();
        assertThat(nodes.get("no-such-node")).isEmpty();
    }

    @Test
    void gpuReadingsCarryTheModelLikeTheStores() {
        List<GpuReading> fromPrometheus = Eventually.await(Duration.ofSeconds(60), "both GPUs with models", () -> {
            List<GpuReading> r = backend.gpus("nvidia_gpu_utilization_percent");
            return r.size() == 2 && r.stream().allMatch(g -> g.labels().containsKey("model")) ? r : null;
        });
        List<GpuReading> fromStore = store.gpus("nvidia_gpu_utilization_percent");

        assertThat(fromPrometheus).extracting(g -> g.labels().get("model") + " " + g.reading().value())
                .containsExactlyElementsOf(fromStore.stream().map(g -> g.labels().get("model") + " " + g.reading().value()).toList());
        assertThat(fromPrometheus).extracting(g -> g.labels().get("uuid"))
                .containsExactlyElementsOf(fromStore.stream().map(g -> g.labels().get("uuid")).toList());
    }

    @Test
    void readingsTimedByTheirTargetCarryTheTimestampsOfReadingsTimedPerSeries() {
        whenPrometheusHas("both GPUs in Prometheus", () -> backend.node("nvidia_gpu_utilization_percent", NODE), 2);
        // gpus() takes each series' time from its target's up; node() from the series itself. Scrapes
        // come every second: compare only answers that two per-series reads around them agree on.
        Eventually.await(Duration.ofSeconds(60), "a whole-fleet read between two identical per-series reads", () -> {
            List<Long> before = times(backend.node("nvidia_gpu_utilization_percent", NODE));
            List<Long> targetTimed = times(backend.gpus("nvidia_gpu_utilization_percent").stream()
                    .filter(g -> NODE.equals(g.labels().get("node"))).map(GpuReading::reading).toList());
            List<Long> after = times(backend.node("nvidia_gpu_utilization_percent", NODE));
            if (!before.equals(after)) {
                return null;
            }
            assertThat(targetTimed).isEqualTo(before);
            return Boolean.TRUE;
        });
        // The second whole-fleet read asks for up of the agents' job alone, and still times every series.
        assertThat(backend.gpus("nvidia_gpu_utilization_percent"))
                .filteredOn(g -> NODE.equals(g.labels().get("node"))).hasSize(2)
                .allSatisfy(g -> assertThat(g.reading().timestampMillis()).isBetween(
                        System.currentTimeMillis() - 10_000, System.currentTimeMillis()));
    }

    private static List<Long> times(List<Reading> readings) {
        return readings.stream().map(Reading::timestampMillis).toList();
    }

    @Test
    void valuesNoMetricCanHaveAreNotReadFromPrometheusEither() {
        whenPrometheusHas("the hostile target's valid temperature", () -> backend.node("nvidia_gpu_temperature_celsius",
                "evil"), 1);
        assertThat(backend.node("nvidia_gpu_utilization_percent", "evil")).as("250 %").isEmpty();
        assertThat(backend.node("nvidia_gpu_memory_used_bytes", "evil")).as("-5 bytes").isEmpty();
        assertThat(backend.gpus("nvidia_gpu_utilization_percent"))
                .noneMatch(g -> "evil".equals(g.labels().get("node")));
    }

    @Test
    void anUnreachablePrometheusIsAnErrorWithinTheTimeout() throws IOException {
        PrometheusMetrics nowhere = new PrometheusMetrics("http://127.0.0.1:" + PrometheusServer.freePort(), Duration.ofSeconds(2));
        assertThatThrownBy(() -> nowhere.node("nvidia_gpu_utilization_percent", NODE))
                .isInstanceOf(PrometheusMetrics.PrometheusQueryException.class);
    }
}
