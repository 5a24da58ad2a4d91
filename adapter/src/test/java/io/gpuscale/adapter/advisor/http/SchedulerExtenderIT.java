package io.gpuscale.adapter.advisor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.GpuPolicy;
import io.gpuscale.adapter.advisor.KubeVersion;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.cluster.ClusterProjection;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.adapter.testing.GpuReadings;
import io.gpuscale.adapter.tls.ServingCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler extender over HTTPS, driven with the JSON kube-scheduler sends: ExtenderArgs with
 * Go field names, the pod without kind, and either NodeNames ({@code nodeCacheCapable: true}) or a
 * full NodeList.
 */
class SchedulerExtenderIT {
    private static final String TAINT_1_35 = "node(s) had untolerated taint(s)";
    private static AdvisorService service;
    private static HttpClient http;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        service = AdvisorService.start(AdvisorCluster.view(), null, AdvisorOptions.defaults(), "127.0.0.1", 0,
                ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC()));
        http = AdvisorCluster.client();
        base = "https://127.0.0.1:" + service.extenderPort();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject filter(String body) throws Exception {
        HttpResponse<String> r = post("/scheduler/filter", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith(
                "application/json"));
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static String namesArgs(String... names) {
        JsonArray a = new JsonArray();
        for (String n : names) {
            a.add(n);
        }
        return "{\"Pod\": " + AdvisorCluster.GPU_POD_JSON + ", \"Nodes\": null, \"NodeNames\": " + a + "}";
    }

    private static Map<String, String> map(JsonObject result, String field) {
        Map<String, String> out = new TreeMap<>();
        result.getAsJsonObject(field).entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsString()));
        return out;
    }

    private static List<String> strings(JsonElement array) {
        List<String> out = new ArrayList<>();
        array.getAsJsonArray().forEach(e -> out.add(e.getAsString()));
        return out;
    }

    /** A node of {@link AdvisorCluster} as kube-scheduler's NodeList carries it (JSON, no kind). */
    private static String nodeJson(String name, String extraSpec) {
        String gpu = "{\"cpu\": \"16\", \"memory\": \"32Gi\", \"pods\": \"110\", \"nvidia.com/gpu\": \"1\"}";
        return "{\"metadata\": {\"name\": \"" + name + "\", \"resourceVersion\": \"4711\"}, \"spec\": {" + extraSpec
                + "}, \"status\": {\"capacity\": " + gpu + ", \"allocatable\": " + gpu
                + ", \"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}]}}";
    }

    @Test
    void namesFormPassesTheFeasibleNodesAndSplitsTheRestByWhetherPreemptionCouldHelp() throws Exception {
        JsonObject r = filter(namesArgs("mainpc", "pc2", "full", "cordoned"));
        assertThat(r.get("Nodes").isJsonNull()).isTrue();
        assertThat(strings(r.get("NodeNames"))).containsExactly("mainpc");
        assertThat(map(r, "FailedNodes")).containsExactly(Map.entry("full", "Insufficient nvidia.com/gpu"));
        assertThat(map(r, "FailedAndUnresolvableNodes")).containsExactly(
                Map.entry("cordoned", "node(s) were unschedulable"), Map.entry("pc2", TAINT_1_35));
        assertThat(r.get("Error").getAsString()).isEmpty();
    }

    @Test
    void onlyTheNodesAskedAboutAreAnswered() throws Exception {
        JsonObject r = filter(namesArgs("full", "pc2"));
        assertThat(strings(r.get("NodeNames"))).isEmpty();
        assertThat(map(r, "FailedNodes").keySet()).containsExactly("full");
        assertThat(map(r, "FailedAndUnresolvableNodes").keySet()).containsExactly("pc2");
    }

    @Test
    void aNodeTheAdvisorHasNotSeenYetIsNotVetoed() throws Exception {
        JsonObject r = filter(namesArgs("brand-new", "mainpc"));
        assertThat(strings(r.get("NodeNames"))).containsExactly("brand-new", "mainpc");
        assertThat(map(r, "FailedNodes")).isEmpty();
    }

    @Test
    void fullNodesFormAnswersWithTheFeasibleObjectsAsSent() throws Exception {
        String mainpc = nodeJson("mainpc", "\"podCIDR\": \"10.42.0.0/24\"").replace("\"conditions\"",
                "\"aFieldFromKubernetes1_40\": {\"x\": 1}, \"conditions\"");
        String pc2 = nodeJson("pc2", "\"taints\": [{\"key\": \"gpu\", \"value\": \"rtx3060\", \"effect\": \"NoSchedule\"}]");
        String full = nodeJson("full", "");
        String body = "{\"Pod\": " + AdvisorCluster.GPU_POD_JSON + ", \"Nodes\": {\"metadata\": {}, \"items\": ["
                + mainpc + ", " + pc2 + ", " + full + "]}, \"NodeNames\": null}";
        JsonObject r = filter(body);
        assertThat(r.get("NodeNames").isJsonNull()).isTrue();
        JsonArray items = r.getAsJsonObject("Nodes").getAsJsonArray("items");
        assertThat(items).containsExactly(JsonParser.parseString(mainpc));
        assertThat(map(r, "FailedNodes")).containsExactly(Map.entry("full", "Insufficient nvidia.com/gpu"));
        assertThat(map(r, "FailedAndUnresolvableNodes")).containsExactly(Map.entry("pc2", TAINT_1_35));
    }

    @Test
    void inTheFullFormTheNodeObjectsSentAreJudgedNotTheAdvisorsCopies() throws Exception {
        String drained = nodeJson("mainpc", "\"taints\": [{\"key\": \"maintenance\", \"effect\": \"NoSchedule\"}]");
        JsonObject r = filter("{\"Pod\": " + AdvisorCluster.GPU_POD_JSON + ", \"Nodes\": {\"metadata\": {}, \"items\": ["
                + drained + "]}}");
        assertThat(r.getAsJsonObject("Nodes").getAsJsonArray("items")).isEmpty();
        assertThat(map(r, "FailedAndUnresolvableNodes")).containsOnlyKeys("mainpc");
    }

    @Test
    void goFieldNamesAreMatchedWithoutCaseAsGoDecodesThem() throws Exception {
        JsonObject r = filter("{\"pod\": " + AdvisorCluster.GPU_POD_JSON + ", \"nodenames\": [\"mainpc\", \"pc2\"]}");
        assertThat(strings(r.get("NodeNames"))).containsExactly("mainpc");
    }

    @Test
    void prioritizeScoresEveryNodeAskedFrom0To10InTheOrderAsked() throws Exception {
        HttpResponse<String> r = post("/scheduler/prioritize", namesArgs("full", "mainpc", "pc2"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonArray list = JsonParser.parseString(r.body()).getAsJsonArray();
        assertThat(list).hasSize(3);
        List<String> hosts = new ArrayList<>();
        list.forEach(e -> hosts.add(e.getAsJsonObject().get("Host").getAsString()));
        assertThat(hosts).containsExactly("full", "mainpc", "pc2");
        PodSchedulingRecord pod = ClusterProjection.podScheduling(PodInput.decode("pod",
                JsonParser.parseString(AdvisorCluster.GPU_POD_JSON).getAsJsonObject(), false));
        NodeVerdict mainpc = service.advisor().explainOn(pod, List.of("mainpc")).nodes().get(0);
        assertThat(mainpc.feasible()).isTrue();
        int expected = (int) Math.round(mainpc.gpuScore() / 10.0);
        assertThat(list.get(1).getAsJsonObject().get("Score").getAsInt()).isEqualTo(expected).isBetween(0, 10);
        assertThat(list.get(0).getAsJsonObject().get("Score").getAsInt()).isZero();
        assertThat(list.get(2).getAsJsonObject().get("Score").getAsInt()).isZero();
    }

    /**
     * kube-scheduler scores PreferNoSchedule taints (TaintToleration) and preferred affinity
     * (NodeAffinity) itself: prioritize must give the GPU load alone, or those count twice. Two
     * 8-GPU nodes, spread policy: {@code idle} has idle GPUs and a PreferNoSchedule taint,
     * {@code busy} is fully loaded and untainted. With the taint counted in, both would score 6.
     */
    @Test
    void prioritizeScoresTheGpuLoadAloneNotTheTaintsKubeSchedulerAlreadyScores() throws Exception {
        long now = System.currentTimeMillis();
        GpuMetrics readings = new GpuReadings() {
            @Override
            public List<GpuReading> gpus(String metric) {
                List<GpuReading> out = new ArrayList<>();
                for (int gpu = 0; gpu < 8; gpu++) {
                    for (String node : List.of("idle", "busy")) {
                        double value = switch (metric) {
                            case "nvidia_gpu_utilization_percent" -> node.equals("idle") ? 0 : 100;
                            case "nvidia_gpu_memory_used_bytes" -> node.equals("idle") ? 0 : 80e9;
                            default -> 80e9;
                        };
                        out.add(new GpuReading(Map.of("node", node, "gpu", Integer.toString(gpu)),
                                new Reading(value, now)));
                    }
                }
                return out;
            }
        };
        try (AdvisorService spread = AdvisorService.start(AdvisorCluster.view(), readings,
                new AdvisorOptions(GpuPolicy.SPREAD, KubeVersion.NEWEST, AdvisorOptions.DEFAULT_GPU_MAX_AGE),
                "127.0.0.1", 0, ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                        Clock.systemUTC()))) {
            // the loads are read on the service's own thread: its first read, then the answers
            Eventually.await(Duration.ofSeconds(30), "the first GPU load read", () -> spread.gpuLoads().loadKnown());
            String eight = "\"nvidia.com/gpu\": \"1\"}";
            String idle = nodeJson("idle", "\"taints\": [{\"key\": \"spot\", \"effect\": \"PreferNoSchedule\"}]")
                    .replace(eight, "\"nvidia.com/gpu\": \"8\"}");
            String busy = nodeJson("busy", "").replace(eight, "\"nvidia.com/gpu\": \"8\"}");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                    + spread.extenderPort() + "/scheduler/prioritize")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"Pod\": " + AdvisorCluster.GPU_POD_JSON + ", \"Nodes\": {\"metadata\": {}, \"items\": ["
                                    + idle + ", " + busy + "]}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonArray list = JsonParser.parseString(r.body()).getAsJsonArray();
            // idle: 7 of 8 GPUs free once placed, all memory free, 0 % busy: emptiness (0.875 + 1 + 1) / 3,
            // GPU score 96, 10 of 10; busy: (0.875 + 0 + 0) / 3, 29, 3 of 10. Their taint scores (0 and
            // 100) are kube-scheduler's to add.
            assertThat(list.get(0).getAsJsonObject().get("Host").getAsString()).isEqualTo("idle");
            assertThat(list.get(0).getAsJsonObject().get("Score").getAsInt()).isEqualTo(10);
            assertThat(list.get(1).getAsJsonObject().get("Host").getAsString()).isEqualTo("busy");
            assertThat(list.get(1).getAsJsonObject().get("Score").getAsInt()).isEqualTo(3);

            PodSchedulingRecord pod = ClusterProjection.podScheduling(PodInput.decode("pod",
                    JsonParser.parseString(AdvisorCluster.GPU_POD_JSON).getAsJsonObject(), false));
            List<NodeVerdict> verdicts = spread.advisor().explainAgainst(pod, List.of(
                    ClusterProjection.nodeScheduling(io.kubernetes.client.openapi.models.V1Node.fromJson(idle)),
                    ClusterProjection.nodeScheduling(io.kubernetes.client.openapi.models.V1Node.fromJson(busy))))
                    .nodes();
            NodeVerdict idleVerdict = verdicts.stream().filter(v -> v.name().equals("idle")).findFirst().orElseThrow();
            assertThat(idleVerdict.gpuScore()).isEqualTo(96);
            // the advisor's own total still counts the taint: lower than the GPU part alone
            assertThat(idleVerdict.score()).isLessThan(idleVerdict.gpuScore());
        }
    }

    @Test
    void prioritizeTakesTheFullNodesFormToo() throws Exception {
        HttpResponse<String> r = post("/scheduler/prioritize", "{\"Pod\": " + AdvisorCluster.GPU_POD_JSON
                + ", \"Nodes\": {\"metadata\": {}, \"items\": [" + nodeJson("mainpc", "") + "]}, \"NodeNames\": null}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject only = JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject();
        assertThat(only.get("Host").getAsString()).isEqualTo("mainpc");
        assertThat(only.get("Score").getAsInt()).isBetween(0, 10);
    }

    @Test
    void argumentsThatAreJsonButUnusableAreAnErrorInTheResultTheSchedulerReads() throws Exception {
        JsonObject noPod = filter("{\"Pod\": 5, \"NodeNames\": [\"mainpc\"]}");
        assertThat(noPod.get("Error").getAsString()).isEqualTo("ExtenderArgs: no Pod object");
        assertThat(noPod.get("NodeNames").isJsonNull()).isTrue();
        assertThat(noPod.get("Nodes").isJsonNull()).isTrue();

        assertThat(filter("{\"Pod\": " + AdvisorCluster.GPU_POD_JSON + "}").get("Error").getAsString())
                .isEqualTo("ExtenderArgs: neither Nodes nor NodeNames");
        String badQuantity = AdvisorCluster.GPU_POD_JSON.replace("{\"nvidia.com/gpu\": \"1\"}, \"requests\"",
                "{\"nvidia.com/gpu\": \"one\"}, \"requests\"");
        assertThat(filter(namesArgs("mainpc").replace(AdvisorCluster.GPU_POD_JSON, badQuantity)).get("Error")
                .getAsString()).startsWith("ExtenderArgs.Pod: ");
    }

    @Test
    void aBodyThatIsNotJsonIsABadRequest() throws Exception {
        for (String path : List.of("/scheduler/filter", "/scheduler/prioritize")) {
            HttpResponse<String> r = post(path, "Pod: not json");
            assertThat(r.statusCode()).isEqualTo(400);
            JsonObject status = JsonParser.parseString(r.body()).getAsJsonObject();
            assertThat(status.get("kind").getAsString()).isEqualTo("Status");
            assertThat(status.get("message").getAsString()).startsWith("the body is not JSON (expected kube-scheduler's "
                    + "ExtenderArgs): syntax error at line 1, column ");
            // Issue 12 item 7: Gson's "Use JsonReader.setStrictness(...)" reached the caller.
            assertThat(status.get("message").getAsString()).doesNotContain("Strictness").doesNotContain("JsonReader")
                    .doesNotContain("gson");
        }
        assertThat(post("/scheduler/prioritize", "{\"Pod\": 5}").statusCode()).isEqualTo(400);
    }

    @Test
    void theExtenderPortServesNoMetrics() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base
                + "/apis/custom.metrics.k8s.io/v1beta2")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
    }

    /**
     * Issue 12 item 6: a pod asking for -3 GPUs passed the filter and prioritize scored a full node 9.
     * kube-scheduler never sends such a pod (the API server refuses it), so whoever does gets an error,
     * never a verdict or a score.
     */
    @Test
    void aPodTheApiServerWouldRefuseIsAnErrorNeverAVerdictOrAScore() throws Exception {
        String negative = AdvisorCluster.GPU_POD_JSON.replace("\"nvidia.com/gpu\": \"1\"", "\"nvidia.com/gpu\": \"-3\"");
        String body = namesArgs("mainpc", "full").replace(AdvisorCluster.GPU_POD_JSON, negative);
        JsonObject r = filter(body);
        String expected = "ExtenderArgs.Pod: Pod \"trainer-7d4f9\" is invalid: ["
                + "spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0, "
                + "spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0]";
        assertThat(r.get("Error").getAsString()).isEqualTo(expected);
        assertThat(r.get("NodeNames").isJsonNull()).isTrue();
        assertThat(r.get("Nodes").isJsonNull()).isTrue();

        HttpResponse<String> p = post("/scheduler/prioritize", body);
        assertThat(p.statusCode()).as(p.body()).isEqualTo(400);
        JsonObject status = JsonParser.parseString(p.body()).getAsJsonObject();
        assertThat(status.get("kind").getAsString()).isEqualTo("Status");
        assertThat(status.get("message").getAsString()).isEqualTo(expected);

        String requestAboveLimit = AdvisorCluster.GPU_POD_JSON.replace("\"requests\": {\"nvidia.com/gpu\": \"1\"}",
                "\"requests\": {\"nvidia.com/gpu\": \"2\"}");
        assertThat(filter(namesArgs("mainpc").replace(AdvisorCluster.GPU_POD_JSON, requestAboveLimit)).get("Error")
                .getAsString()).isEqualTo("ExtenderArgs.Pod: Pod \"trainer-7d4f9\" is invalid: spec.containers[0].resources"
                + ".requests: Invalid value: \"2\": must be equal to nvidia.com/gpu limit of 1");
    }

    /** Issue 12 item 7: a Node or Pod field of the wrong type is told by its path, not by Gson. */
    @Test
    void aWrongTypeInTheArgumentsIsToldByItsPath() throws Exception {
        String ports = AdvisorCluster.GPU_POD_JSON.replace("\"image\": \"trainer:1\",", "\"image\": \"trainer:1\", \"ports\": "
                + "\"notalist\",");
        assertThat(filter(namesArgs("mainpc").replace(AdvisorCluster.GPU_POD_JSON, ports)).get("Error").getAsString())
                .isEqualTo("ExtenderArgs.Pod: spec.containers[0].ports: expected a list, got the string \"notalist\"");
        String node = nodeJson("mainpc", "\"taints\": \"none\"");
        JsonObject r = filter("{\"Pod\": " + AdvisorCluster.GPU_POD_JSON + ", \"Nodes\": {\"metadata\": {}, \"items\": ["
                + node + "]}}");
        assertThat(r.get("Error").getAsString()).isEqualTo("ExtenderArgs.Nodes.items[0]: spec.taints: expected a list, got "
                + "the string \"none\"");
    }
}
