package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.scrape.AgentScraper;
import io.gpuscale.adapter.scrape.AgentTarget;
import io.gpuscale.adapter.scrape.ScrapeLimits;
import io.gpuscale.adapter.scrape.ScrapeOptions;
import io.gpuscale.adapter.scrape.StaticAgentTargets;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.adapter.testing.Kubectl.Run;
import io.gpuscale.adapter.testing.Kubectl;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.kubernetes.client.openapi.models.V1APIResourceList;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's cluster for real: two agents on simulated GPUs ({@code mainpc} with an RTX 4090,
 * {@code pc2} with an RTX 3060), the adapter scraping them over HTTP and serving the demo's cluster
 * snapshot over HTTPS, and the real {@code kubectl} reading it as a user would.
 */
class EndToEndIT {
    private static final String UTIL = "nvidia_gpu_utilization_percent";
    private static final Path DEMO_CLUSTER = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("deploy/examples/demo-cluster.yaml");

    @TempDir
    static Path home;

    private static Agent mainpc;
    private static Agent pc2;
    private static Vertx scrapeVertx;
    private static AgentScraper scraper;
    private static Adapter adapter;

    @BeforeAll
    static void start() throws Exception {
        mainpc = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090@steady:80"),
                "mainpc", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
        pc2 = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx3060@steady:60"),
                "pc2", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
        MetricStore store = new MetricStore();
        scrapeVertx = Vertx.vertx();
        scraper = new AgentScraper(scrapeVertx, new StaticAgentTargets(List.of(
                new AgentTarget("http://127.0.0.1:" + mainpc.port() + "/metrics", null),
                new AgentTarget("http://127.0.0.1:" + pc2.port() + "/metrics", null))),
                store, new ScrapeOptions(Duration.ofMillis(500), Duration.ofMillis(400), ScrapeLimits.DEFAULTS));
        scraper.start();
        // Both agents scraped once before any question: an empty list answered earlier is correct but
        // not what these tests are about (and the adapter keeps an answer for 250 ms).
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((store.node(UTIL, "mainpc").isEmpty() || store.node(UTIL, "pc2").isEmpty())
                && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        if (store.node(UTIL, "mainpc").isEmpty() || store.node(UTIL, "pc2").isEmpty()) {
            throw new IllegalStateException("setup: both agents were not scraped within 30 s (mainpc "
                    + store.node(UTIL, "mainpc").size() + " readings, pc2 " + store.node(UTIL, "pc2").size() + ")");
        }
        adapter = Adapter.start("127.0.0.1", 0,
                ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC()),
                store, SnapshotClusterView.load(DEMO_CLUSTER), ApiOptions.defaults().withMaxAge(Duration.ofSeconds(3)),
                false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (adapter != null) {
            adapter.close();
        }
        if (scraper != null) {
            scraper.close();
        }
        if (scrapeVertx != null) {
            scrapeVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (mainpc != null) {
            mainpc.close();
        }
        if (pc2 != null) {
            pc2.close();
        }
    }

    private static Run kubectl(String path) throws Exception {
        return Kubectl.getRaw("kubectl", home, adapter.port(), List.of("--token=demo"), path);
    }

    /** Asks until the answer is a success (the first scrapes may not have arrived yet). */
    private static JsonObject kubectlOk(String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Run r = kubectl(path);
        while (r.exit() != 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            r = kubectl(path);
        }
        assertThat(r.exit()).as("kubectl get --raw %s: %s", path, r.err()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static List<String> itemValues(JsonObject list, String nameField) {
        List<String> out = new ArrayList<>();
        JsonArray items = list.getAsJsonArray("items");
        for (JsonElement e : items) {
            JsonObject item = e.getAsJsonObject();
            out.add(item.getAsJsonObject("describedObject").get("name").getAsString() + "=" + item.get("value").getAsString());
        }
        return out;
    }

    @Test
    void hpaQueryReturnsEachSelectedPodsOwnGpuUtilization() throws Exception {
        JsonObject v2 = kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/" + UTIL
                + "?labelSelector=app%3Dllm-server");
        assertThat(v2.get("kind").getAsString()).isEqualTo("MetricValueList");
        assertThat(itemValues(v2, "name")).containsExactlyInAnyOrder("llm-server-mainpc-0=80", "llm-server-pc2-0=60");
        JsonObject item = v2.getAsJsonArray("items").get(0).getAsJsonObject();
        assertThat(item.getAsJsonObject("metric").get("name").getAsString()).isEqualTo(UTIL);
        assertThat(item.get("windowSeconds").getAsLong()).isPositive();
        assertThat(item.get("timestamp").getAsString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

        JsonObject v1 = kubectlOk("/apis/custom.metrics.k8s.io/v1beta1/namespaces/demo/pods/*/" + UTIL
                + "?labelSelector=app%3Dllm-server");
        assertThat(v1.getAsJsonArray("items").get(0).getAsJsonObject().get("metricName").getAsString())
                .isEqualTo(UTIL);
    }

    @Test
    void onePodOneNodeAndDiscovery() throws Exception {
        JsonObject pod = kubectlOk("/apis/custom.metrics.k8s.io/v1beta1/namespaces/demo/pods/llm-server-mainpc-0/" + UTIL);
        assertThat(pod.getAsJsonArray("items")).hasSize(1);
        assertThat(itemValues(pod, "name")).containsExactly("llm-server-mainpc-0=80");

        JsonObject node = kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/nodes/pc2/" + UTIL);
        assertThat(itemValues(node, "name")).containsExactly("pc2=60");

        JsonObject memory = kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/nodes/*/nvidia_gpu_memory_used_bytes");
        assertThat(memory.getAsJsonArray("items")).hasSize(2);

        V1APIResourceList resources = V1APIResourceList.fromJson(
                kubectl("/apis/custom.metrics.k8s.io/v1beta2").out());
        assertThat(resources.getResources()).extracting(r -> r.getName()).contains("pods/" + UTIL, "nodes/" + UTIL);
    }

    @Test
    void unknownPodIsA404StatusKubectlShows() throws Exception {
        kubectlOk("/apis/custom.metrics.k8s.io/v1beta1/namespaces/demo/pods/llm-server-mainpc-0/" + UTIL);
        Run r = kubectl("/apis/custom.metrics.k8s.io/v1beta1/namespaces/demo/pods/nope/" + UTIL);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("NotFound").contains("nope");
    }
}
