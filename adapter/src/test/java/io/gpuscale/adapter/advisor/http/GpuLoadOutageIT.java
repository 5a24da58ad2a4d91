package io.gpuscale.adapter.advisor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.GpuLoadRefresher;
import io.gpuscale.adapter.advisor.GpuLoadStatus;
import io.gpuscale.adapter.advisor.GpuPolicy;
import io.gpuscale.adapter.advisor.KubeVersion;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.http.ApiServer;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.cluster.ClusterProjection;
import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.SchedulingListener;
import io.gpuscale.adapter.prometheus.PrometheusMetrics;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.adapter.testing.TestPods;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The rule "no network call while a lock is held", held against a real Prometheus stand-in on a
 * loopback socket: one that accepts queries and never answers them must not slow informer events,
 * extender calls or explanations; an outage scores without GPU load ("GPU load unknown"), never a
 * 500; and the loads come back with Prometheus.
 */
class GpuLoadOutageIT {
    /** The one deadline: generous, for a busy two-core machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String NODE_NAMES_ARGS = "{\"Pod\": " + AdvisorCluster.GPU_POD_JSON
            + ", \"Nodes\": null, \"NodeNames\": [\"mainpc\", \"pc2\", \"full\", \"cordoned\"]}";
    /**
     * mainpc's GPU part under binpack: its one GPU taken by the pod (0 left), and, with Prometheus,
     * memory free and the GPU idle: (0 + 1 + 1) / 3 empty, score 33. Without GPU load both count
     * 0.5: (0 + 0.5 + 0.5) / 3, score 67.
     */
    private static final int WITH_LOAD = 33;
    private static final int WITHOUT_LOAD = 67;

    /** The stand-in, the advisor over it with its extender and REST endpoint, and a client. */
    private static final class Rig implements AutoCloseable {
        final PrometheusStandIn prometheus = new PrometheusStandIn();
        final LiveClusterView cluster = new LiveClusterView();
        final AdvisorService service;
        final Vertx vertx = Vertx.vertx();
        final ApiServer rest;
        final HttpClient http;

        Rig(Duration gpuMaxAge, Duration prometheusTimeout) throws Exception {
            ServingCertificate certificate = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                    Clock.systemUTC());
            service = AdvisorService.start(cluster, new PrometheusMetrics(prometheus.url(), prometheusTimeout),
                    new AdvisorOptions(GpuPolicy.BINPACK, KubeVersion.NEWEST, gpuMaxAge), "127.0.0.1", 0, certificate);
            rest = ApiServer.start(vertx, null, service.restEndpoints(), RequestGate.ALLOW_ALL, certificate,
                    ServerLimits.DEFAULTS, "127.0.0.1", 0, Clock.systemUTC(), false);
            http = AdvisorCluster.client();
        }

        GpuLoadRefresher loads() {
            return service.gpuLoads();
        }

        HttpResponse<String> post(int port, String path, String contentType, String body) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                        .timeout(DEADLINE).header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(path + " failed", e);
            }
        }

        /** {@code POST /advisor/v1/explain}, which must answer 200. */
        JsonObject explain() {
            HttpResponse<String> r = post(rest.port(), ExplainEndpoint.PATH, "application/yaml", TestPods.trainerYaml(1));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return JsonParser.parseString(r.body()).getAsJsonObject();
        }

        /** The extender's verb, which must answer 200. */
        String extender(String path) {
            HttpResponse<String> r = post(service.extenderPort(), path, "application/json", NODE_NAMES_ARGS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return r.body();
        }

        int prioritizeScore() {
            JsonArray list = JsonParser.parseString(extender(ExtenderPrioritizeEndpoint.PATH)).getAsJsonArray();
            return list.get(0).getAsJsonObject().get("Score").getAsInt();
        }

        @Override
        public void close() throws Exception {
            rest.close();
            service.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            prometheus.close();
        }
    }

    private static int mainpcGpuScore(JsonObject explanation) {
        JsonObject first = explanation.getAsJsonArray("nodes").get(0).getAsJsonObject();
        assertThat(first.get("name").getAsString()).isEqualTo(PrometheusStandIn.NODE);
        return first.get("gpuScore").getAsInt();
    }

    private static boolean known(JsonObject explanation) {
        return explanation.getAsJsonObject("gpuLoad").get("known").getAsBoolean();
    }

    @Test
    void informerEventsAndRequestsFlowWhilePrometheusHoldsAReadForever() throws Exception {
        // the read's timeout is far beyond the deadline: anything that waited for it would miss the deadline
        try (Rig rig = new Rig(AdvisorOptions.DEFAULT_GPU_MAX_AGE, Duration.ofMinutes(10))) {
            Eventually.await(DEADLINE, "the first GPU load read", () -> rig.loads().loadKnown());
            rig.prometheus.hold(true);
            Eventually.await(DEADLINE, "a GPU load read held by Prometheus", () -> rig.prometheus.held.get() > 0);
            int answered = rig.prometheus.answered.get();

            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<CompletableFuture<?>> work = new ArrayList<>();
            try {
                SchedulingListener informer = rig.cluster.events();
                List<NodeSchedulingRecord> nodes = new ArrayList<>();
                List<PodSchedulingRecord> pods = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    nodes.add(ClusterProjection.nodeScheduling(V1Node.fromJson(nodeJson("churn-" + i))));
                    pods.add(ClusterProjection.podScheduling(runningOn("churn-" + i, "p-" + i)));
                }
                work.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 200; i++) {
                        informer.nodeChanged(nodes.get(i));
                        informer.podChanged(pods.get(i));
                        if (i % 2 == 1) {
                            informer.podDeleted("other", "p-" + (i - 1));
                            informer.nodeDeleted("churn-" + (i - 1));
                        }
                    }
                }, pool));
                List<CompletableFuture<String>> answers = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    answers.add(CompletableFuture.supplyAsync(() -> rig.extender(ExtenderFilterEndpoint.PATH), pool));
                    answers.add(CompletableFuture.supplyAsync(() -> rig.extender(ExtenderPrioritizeEndpoint.PATH), pool));
                    answers.add(CompletableFuture.supplyAsync(() -> rig.explain().toString(), pool));
                }
                work.addAll(answers);
                try {
                    CompletableFuture.allOf(work.toArray(CompletableFuture[]::new))
                            .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("informer events and requests did not complete within " + DEADLINE
                            + ": something waits for the Prometheus read (a network call under a lock?)", e);
                }

                assertThat(answers).allSatisfy(a -> assertThat(a.join()).contains("mainpc"));
            } finally {
                pool.shutdownNow();
            }
            PodSchedulingRecord pod = ClusterProjection.podScheduling(PodInput.decode("pod",
                    JsonParser.parseString(AdvisorCluster.GPU_POD_JSON).getAsJsonObject(), false));
            List<NodeVerdict> verdicts = rig.service.advisor().explainOn(pod, List.of("churn-198", "churn-199")).nodes();
            assertThat(verdicts).extracting(NodeVerdict::plugin).as("the last informer events reached the index")
                    .containsExactly(PlacementAdvisor.UNKNOWN_NODE_PLUGIN, "NodeResourcesFit");
            assertThat(rig.prometheus.answered.get()).as("Prometheus answered nothing meanwhile").isEqualTo(answered);
            assertThat(rig.loads().lastOutcome()).as("the held read has not ended")
                    .isEqualTo(GpuLoadRefresher.Outcome.SUCCEEDED);
        }
    }

    @Test
    void anOutageScoresWithoutGpuLoadAndSaysSoThenRecoveryBringsTheLoadBack() throws Exception {
        try (Rig rig = new Rig(Duration.ofSeconds(2), Duration.ofMillis(500))) {
            Eventually.await(DEADLINE, "the first GPU load read", () -> rig.loads().loadKnown());
            JsonObject before = rig.explain();
            assertThat(known(before)).isTrue();
            assertThat(mainpcGpuScore(before)).isEqualTo(WITH_LOAD);
            assertThat(rig.prioritizeScore()).isEqualTo(3);

            rig.prometheus.hold(true);
            Eventually.await(DEADLINE, "GPU load unknown in the explanation", () -> !known(rig.explain()));

            JsonObject during = rig.explain();
            JsonObject status = during.getAsJsonObject("gpuLoad");
            assertThat(status.get("message").getAsString()).startsWith(GpuLoadStatus.UNKNOWN + ": the last good read is ")
                    .contains("older than 2 s", "(last read failed: ").endsWith("; nodes are scored without it");
            assertThat(status.get("ageSeconds").getAsDouble()).isGreaterThan(2);
            assertThat(mainpcGpuScore(during)).as("scored without load").isEqualTo(WITHOUT_LOAD);
            assertThat(rig.prioritizeScore()).isEqualTo(7);
            assertThat(rig.extender(ExtenderFilterEndpoint.PATH)).contains("\"NodeNames\":[\"mainpc\"]", "\"Error\":\"\"");
            assertThat(rig.loads().lastOutcome()).isEqualTo(GpuLoadRefresher.Outcome.FAILED);
            assertThat(rig.loads().lastFailure()).isNotBlank();
            assertThat(rig.loads().failures()).isPositive();
            assertThat(rig.loads().snapshotAgeSeconds()).isGreaterThan(2);

            rig.prometheus.hold(false);
            Eventually.await(DEADLINE, "GPU load known again", () -> known(rig.explain()));

            JsonObject after = rig.explain();
            assertThat(after.getAsJsonObject("gpuLoad").get("message").isJsonNull()).isTrue();
            assertThat(mainpcGpuScore(after)).isEqualTo(WITH_LOAD);
            assertThat(rig.prioritizeScore()).isEqualTo(3);
            assertThat(rig.loads().lastOutcome()).isEqualTo(GpuLoadRefresher.Outcome.SUCCEEDED);
        }
    }

    private static String nodeJson(String name) {
        String gpu = "{\"cpu\": \"16\", \"memory\": \"32Gi\", \"pods\": \"110\", \"nvidia.com/gpu\": \"1\"}";
        return "{\"metadata\": {\"name\": \"" + name + "\"}, \"status\": {\"capacity\": " + gpu
                + ", \"allocatable\": " + gpu + "}}";
    }

    /** A running pod holding the node's one GPU. */
    private static V1Pod runningOn(String node, String name) throws java.io.IOException {
        return V1Pod.fromJson("{\"metadata\": {\"name\": \"" + name + "\", \"namespace\": \"other\"}, \"spec\": "
                + "{\"nodeName\": \"" + node + "\", \"containers\": [{\"name\": \"c\", \"image\": \"x\", \"resources\": "
                + "{\"limits\": {\"nvidia.com/gpu\": \"1\"}}}]}, \"status\": {\"phase\": \"Running\"}}");
    }
}
