package io.gpuscale.adapter.api;

import static io.gpuscale.adapter.api.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1Status;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CustomMetricsApiTest {
    private final MetricsApi api = Fixtures.api(false);

    private JsonObject ok(String path, String query) {
        ApiResponse r = api.handle("GET", path, query, NOW);
        assertThat(r.code()).as(r.body().render()).isEqualTo(200);
        assertThat(r.body().contentType()).isEqualTo("application/json");
        return JsonParser.parseString(r.body().render()).getAsJsonObject();
    }

    private V1Status failure(String path, String query, int code) throws Exception {
        ApiResponse r = api.handle("GET", path, query, NOW);
        assertThat(r.code()).as(r.body().render()).isEqualTo(code);
        V1Status status = V1Status.fromJson(r.body().render());
        assertThat(status.getCode()).isEqualTo(code);
        assertThat(status.getKind()).isEqualTo("Status");
        assertThat(status.getApiVersion()).isEqualTo("v1");
        assertThat(status.getStatus()).isEqualTo("Failure");
        return status;
    }

    private static JsonArray items(JsonObject list, String version) {
        assertThat(list.keySet()).containsExactly("kind", "apiVersion", "metadata", "items");
        assertThat(list.get("kind").getAsString()).isEqualTo("MetricValueList");
        assertThat(list.get("apiVersion").getAsString()).isEqualTo("custom.metrics.k8s.io/" + version);
        assertThat(list.getAsJsonObject("metadata").keySet()).isEmpty();
        return list.getAsJsonArray("items");
    }

    private static List<String> names(JsonArray items) {
        return items.asList().stream()
                .map(i -> i.getAsJsonObject().getAsJsonObject("describedObject").get("name").getAsString()).toList();
    }

    @Test
    void onePodInV1beta1IsAListOfOneItemWithEveryFieldOfTheVersion() {
        JsonArray items = items(ok("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/infer-a/"
                + "nvidia_gpu_utilization_percent", null), "v1beta1");
        assertThat(items).hasSize(1);
        JsonObject item = items.get(0).getAsJsonObject();
        assertThat(item.keySet()).containsExactly("describedObject", "metricName", "timestamp", "window", "value",
                "selector");
        JsonObject ref = item.getAsJsonObject("describedObject");
        assertThat(ref.keySet()).containsExactly("kind", "namespace", "name", "apiVersion");
        assertThat(ref.get("kind").getAsString()).isEqualTo("Pod");
        assertThat(ref.get("namespace").getAsString()).isEqualTo("ml");
        assertThat(ref.get("name").getAsString()).isEqualTo("infer-a");
        assertThat(ref.get("apiVersion").getAsString()).isEqualTo("/v1");
        assertThat(item.get("metricName").getAsString()).isEqualTo("nvidia_gpu_utilization_percent");
        // mean of its two GPUs (80 and 61); the timestamp is the older reading's, not the request's
        assertThat(item.get("value").getAsString()).isEqualTo("70500m");
        assertThat(item.get("timestamp").getAsString()).isEqualTo("2026-11-23T08:00:08Z");
        assertThat(item.get("window").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(item.get("window").getAsLong()).isEqualTo(1);
        assertThat(item.get("selector").isJsonNull()).isTrue();
    }

    @Test
    void onePodInV1beta2CarriesMetricNameAndSelectorAndWindowSeconds() {
        JsonArray items = items(ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-a/"
                + "nvidia_gpu_utilization_percent", null), "v1beta2");
        JsonObject item = items.get(0).getAsJsonObject();
        assertThat(item.keySet()).containsExactly("describedObject", "metric", "timestamp", "windowSeconds", "value");
        assertThat(item.getAsJsonObject("metric").keySet()).containsExactly("name", "selector");
        assertThat(item.getAsJsonObject("metric").get("name").getAsString())
                .isEqualTo("nvidia_gpu_utilization_percent");
        assertThat(item.getAsJsonObject("metric").get("selector").isJsonNull()).isTrue();
        assertThat(item.get("windowSeconds").getAsLong()).isEqualTo(1);
        assertThat(item.get("value").getAsString()).isEqualTo("70500m");
        assertThat(item.get("timestamp").getAsString()).isEqualTo("2026-11-23T08:00:08Z");
    }

    @Test
    void podMemoryIsTheSumOfItsGpus() {
        JsonArray items = items(ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-a/"
                + "nvidia_gpu_memory_used_bytes", null), "v1beta2");
        assertThat(items.get(0).getAsJsonObject().get("value").getAsString()).isEqualTo("7500M");
    }

    @Test
    void starReturnsExactlyTheMatchingPodsOfTheNamespaceWithCurrentValues() {
        for (String version : List.of("v1beta1", "v1beta2")) {
            JsonArray items = items(ok("/apis/custom.metrics.k8s.io/" + version
                    + "/namespaces/ml/pods/%2A/nvidia_gpu_utilization_percent", "labelSelector=app%3Dinfer"), version);
            // not batch-c (selector), not infer-stale (stale only), not pending (no node), not team-x/other
            assertThat(names(items)).containsExactly("infer-a", "infer-b");
            assertThat(items.get(1).getAsJsonObject().get("value").getAsString()).isEqualTo("40500m");
            assertThat(items.get(1).getAsJsonObject().get("timestamp").getAsString())
                    .isEqualTo("2026-11-23T08:00:09Z");
        }
    }

    @Test
    void starWithoutSelectorListsEveryPodWithAValueAndLiteralStarWorksToo() {
        JsonArray items = items(ok("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/*/"
                + "nvidia_gpu_utilization_percent", null), "v1beta1");
        assertThat(names(items)).containsExactly("batch-c", "infer-a", "infer-b");
    }

    @Test
    void starInAnEmptyNamespaceIsAnEmptyListNotAnError() {
        JsonArray items = items(ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/nobody/pods/*/"
                + "nvidia_gpu_utilization_percent", null), "v1beta2");
        assertThat(items).isEmpty();
    }

    @Test
    void metricLabelSelectorChoosesThePodsSeriesByLabelsAndIsEchoedAsALabelSelector() {
        JsonObject item = items(ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-a/"
                + "nvidia_gpu_utilization_percent", "metricLabelSelector=gpu%3D0"), "v1beta2")
                .get(0).getAsJsonObject();
        assertThat(item.get("value").getAsString()).isEqualTo("80");
        assertThat(item.get("timestamp").getAsString()).isEqualTo("2026-11-23T08:00:09Z");
        assertThat(item.getAsJsonObject("metric").get("selector").toString())
                .isEqualTo("{\"matchLabels\":{\"gpu\":\"0\"}}");

        JsonObject v1 = items(ok("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/*/"
                + "nvidia_gpu_utilization_percent", "metricLabelSelector=method+in+(process),!mig_uuid"), "v1beta1")
                .get(0).getAsJsonObject();
        assertThat(v1.get("selector").toString()).isEqualTo("{\"matchExpressions\":["
                + "{\"key\":\"method\",\"operator\":\"In\",\"values\":[\"process\"]},"
                + "{\"key\":\"mig_uuid\",\"operator\":\"DoesNotExist\"}]}");
        assertThat(v1.getAsJsonObject("describedObject").get("name").getAsString()).isEqualTo("batch-c");
    }

    @Test
    void nodeValueCombinesItsGpusAndNodesStarSelectsByNodeLabels() {
        JsonObject item = items(ok("/apis/custom.metrics.k8s.io/v1beta1/nodes/mainpc/nvidia_gpu_utilization_percent",
                null), "v1beta1").get(0).getAsJsonObject();
        JsonObject ref = item.getAsJsonObject("describedObject");
        assertThat(ref.keySet()).containsExactly("kind", "name", "apiVersion");
        assertThat(ref.get("kind").getAsString()).isEqualTo("Node");
        assertThat(item.get("value").getAsString()).isEqualTo("41");
        assertThat(names(items(ok("/apis/custom.metrics.k8s.io/v1beta2/nodes/%2A/nvidia_gpu_utilization_percent",
                null), "v1beta2"))).containsExactly("mainpc", "pc2");
        assertThat(names(items(ok("/apis/custom.metrics.k8s.io/v1beta2/nodes/*/nvidia_gpu_memory_used_bytes",
                "labelSelector=gpu%3Drtx3060"), "v1beta2"))).containsExactly("pc2");
        JsonObject mem = items(ok("/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/nvidia_gpu_memory_used_bytes",
                null), "v1beta2").get(0).getAsJsonObject();
        assertThat(mem.get("value").getAsString()).isEqualTo("8500M");
        JsonObject gpu1 = items(ok("/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/nvidia_gpu_utilization_percent",
                "metricLabelSelector=uuid%3DGPU-bbb"), "v1beta2").get(0).getAsJsonObject();
        assertThat(gpu1.get("value").getAsString()).isEqualTo("2");
    }

    @Test
    void namespaceMetricCombinesEveryCurrentReadingOfItsPods() {
        JsonObject item = items(ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/metrics/"
                + "nvidia_gpu_utilization_percent", null), "v1beta2").get(0).getAsJsonObject();
        JsonObject ref = item.getAsJsonObject("describedObject");
        assertThat(ref.get("kind").getAsString()).isEqualTo("Namespace");
        assertThat(ref.get("name").getAsString()).isEqualTo("ml");
        assertThat(ref.has("namespace")).isFalse();
        assertThat(item.get("value").getAsString()).isEqualTo("50500m"); // 80, 61, 40.5, 20.5; not the stale 99
        JsonObject mem = items(ok("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/metrics/"
                + "nvidia_gpu_memory_used_bytes", null), "v1beta1").get(0).getAsJsonObject();
        assertThat(mem.get("value").getAsString()).isEqualTo("9500M");
    }

    @Test
    void requestsOverManyObjectsReadTheBackendOnceNotOncePerObject() {
        FakeGpuMetrics metrics = Fixtures.metrics();
        MetricsApi counted = new MetricsApi(metrics, Fixtures.cluster(), ApiOptions.defaults());
        String base = "/apis/custom.metrics.k8s.io/v1beta2/";
        for (String[] request : new String[][] {
                {"namespaces/ml/pods/*/nvidia_gpu_utilization_percent", null},
                {"namespaces/ml/pods/*/nvidia_gpu_utilization_percent", "labelSelector=app%3Dinfer"},
                {"namespaces/ml/metrics/nvidia_gpu_memory_used_bytes", null},
                {"nodes/*/nvidia_gpu_utilization_percent", null},
                {"nodes/*/nvidia_gpu_utilization_percent", "metricLabelSelector=model%3DRTX-4090"}}) {
            int before = metrics.calls();
            ApiResponse r = counted.handle("GET", base + request[0], request[1], NOW);
            assertThat(r.code()).as(request[0] + " " + r.body().render()).isEqualTo(200);
            assertThat(metrics.calls() - before).as(request[0] + "?" + request[1]).isEqualTo(1);
        }
    }

    @Test
    void aPodWithOnlyStaleReadingsIsA404ThatSaysWhy() throws Exception {
        V1Status s = failure("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-stale/"
                + "nvidia_gpu_utilization_percent", null, 404);
        assertThat(s.getReason()).isEqualTo("NotFound");
        assertThat(s.getMessage()).isEqualTo("the server could not find the metric nvidia_gpu_utilization_percent "
                + "for pods ml/infer-stale: its newest reading is 20.5s old, older than --max-age 6s");
        assertThat(s.getDetails().getKind()).isEqualTo("pods");
        assertThat(s.getDetails().getGroup()).isEqualTo("custom.metrics.k8s.io");
        V1Status pending = failure("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/pending/"
                + "nvidia_gpu_utilization_percent", null, 404);
        assertThat(pending.getMessage()).endsWith(": there is no reading");
    }

    @Test
    void unknownObjectsAndMetricsAre404sInKubernetesWords() throws Exception {
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/nope/"
                + "nvidia_gpu_utilization_percent", null, 404).getMessage()).isEqualTo("pods \"nope\" not found");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/nodes/nope/nvidia_gpu_utilization_percent", null, 404)
                .getMessage()).isEqualTo("nodes \"nope\" not found");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-a/cpu_usage", null, 404)
                .getMessage()).isEqualTo("the server could not find the metric cpu_usage for pods");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/nvidia_gpu_power_usage_watts",
                null, 404).getMessage())
                .isEqualTo("the server could not find the metric nvidia_gpu_power_usage_watts for pods");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/deployments.apps/web/"
                + "nvidia_gpu_utilization_percent", null, 404).getMessage())
                .isEqualTo("the server could not find the metric nvidia_gpu_utilization_percent for deployments.apps");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/nodes/cpu-only/nvidia_gpu_utilization_percent", null,
                404).getMessage()).endsWith("for nodes cpu-only: there is no reading");
    }

    @Test
    void fieldSelectorOnMetadataNameNarrowsAListAndMustAgreeWithANamedObject() throws Exception {
        assertThat(names(items(ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/"
                + "nvidia_gpu_utilization_percent", "fieldSelector=metadata.name%3Dinfer-b"), "v1beta2")))
                .containsExactly("infer-b");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-a/"
                + "nvidia_gpu_utilization_percent", "fieldSelector=metadata.name%3Dinfer-b", 400).getReason())
                .isEqualTo("BadRequest");
    }

    @Test
    void badSelectorsAre400sNamingTheParameter() throws Exception {
        V1Status s = failure("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/*/nvidia_gpu_utilization_percent",
                "labelSelector=app%3D%3D%3Dx", 400);
        assertThat(s.getMessage()).startsWith("labelSelector: unable to parse label selector");
        assertThat(failure("/apis/custom.metrics.k8s.io/v1beta1/nodes/mainpc/nvidia_gpu_utilization_percent",
                "metricLabelSelector=gpu+in+0", 400).getMessage()).startsWith("metricLabelSelector: ");
    }

    @Test
    void jsonIsStrictlyWhatTheTypesDeclare() {
        JsonObject list = ok("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/nvidia_gpu_utilization_percent",
                "labelSelector=app%3Dinfer&metricLabelSelector=model%3DRTX-4090");
        for (JsonElement e : items(list, "v1beta2")) {
            assertThat(e.getAsJsonObject().keySet())
                    .isEqualTo(Set.of("describedObject", "metric", "timestamp", "windowSeconds", "value"));
        }
        assertThat(names(list.getAsJsonArray("items"))).containsExactly("infer-a");
    }

    /** A backend that cannot answer (as the Prometheus one, which logs why itself), or one with a bug. */
    private static io.gpuscale.adapter.metrics.GpuMetrics failing(RuntimeException failure) {
        return new io.gpuscale.adapter.metrics.GpuMetrics() {
            @Override
            public List<io.gpuscale.adapter.metrics.Reading> pod(String metric, String node, String namespace,
                    String pod) {
                throw failure;
            }

            @Override
            public List<io.gpuscale.adapter.metrics.Reading> node(String metric, String node) {
                throw failure;
            }

            @Override
            public List<io.gpuscale.adapter.metrics.GpuReading> gpus(String metric) {
                throw failure;
            }
        };
    }

    @Test
    void readingsTheBackendCannotGiveAreA500AnsweredHereSoTheServerLogsNoSecondLine() throws Exception {
        MetricsApi down = new MetricsApi(failing(new io.gpuscale.adapter.metrics.ReadingsUnavailableException(
                "Prometheus answered HTTP 503: unavailable: too many concurrent queries", null)), Fixtures.cluster(),
                ApiOptions.defaults());
        for (String path : List.of("nodes/mainpc/nvidia_gpu_utilization_percent",
                "namespaces/ml/pods/infer-a/nvidia_gpu_utilization_percent",
                "namespaces/ml/pods/*/nvidia_gpu_utilization_percent")) {
            ApiResponse r = down.handle("GET", "/apis/custom.metrics.k8s.io/v1beta2/" + path, null, NOW);
            assertThat(r).as(path).isEqualTo(ApiResponse.failure(Status.internalError()));
        }
        MetricsApi buggy = new MetricsApi(failing(new IllegalStateException("a bug")), Fixtures.cluster(),
                ApiOptions.defaults());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> buggy.handle("GET",
                "/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/nvidia_gpu_utilization_percent", null, NOW))
                .as("any other failure still reaches the server, which logs it").hasMessage("a bug");
    }
}
