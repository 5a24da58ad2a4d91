package io.gpuscale.adapter.api;

import static io.gpuscale.adapter.api.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1Status;
import org.junit.jupiter.api.Test;

class ExternalMetricsApiTest {
    private final MetricsApi api = Fixtures.api(true);

    private JsonObject item(String path, String query) {
        ApiResponse r = api.handle("GET", path, query, NOW);
        assertThat(r.code()).as(r.body().render()).isEqualTo(200);
        JsonObject list = JsonParser.parseString(r.body().render()).getAsJsonObject();
        assertThat(list.keySet()).containsExactly("kind", "apiVersion", "metadata", "items");
        assertThat(list.get("kind").getAsString()).isEqualTo("ExternalMetricValueList");
        assertThat(list.get("apiVersion").getAsString()).isEqualTo("external.metrics.k8s.io/v1beta1");
        assertThat(list.getAsJsonArray("items")).hasSize(1);
        JsonObject item = list.getAsJsonArray("items").get(0).getAsJsonObject();
        assertThat(item.keySet()).containsExactly("metricName", "metricLabels", "timestamp", "window", "value");
        return item;
    }

    @Test
    void utilizationIsTheMeanOfTheSelectedGpusWithTheLabelsTheyShare() {
        JsonObject all = item("/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/nvidia_gpu_utilization_percent",
                null);
        assertThat(all.get("metricName").getAsString()).isEqualTo("nvidia_gpu_utilization_percent");
        assertThat(all.get("value").getAsString()).isEqualTo("47667m"); // (80 + 2 + 61) / 3, rounded up
        assertThat(all.get("timestamp").getAsString()).isEqualTo("2026-11-23T08:00:08Z");
        assertThat(all.get("window").getAsLong()).isEqualTo(1);
        assertThat(all.getAsJsonObject("metricLabels").keySet()).isEmpty();

        JsonObject rtx4090 = item("/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/nvidia_gpu_utilization_percent",
                "labelSelector=model%3DRTX-4090");
        assertThat(rtx4090.get("value").getAsString()).isEqualTo("41");
        assertThat(rtx4090.getAsJsonObject("metricLabels").toString())
                .isEqualTo("{\"model\":\"RTX-4090\",\"node\":\"mainpc\"}");
    }

    @Test
    void idleDevicesCountsCurrentUnheldGpusUnderFivePercent() {
        assertThat(item("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/nvidia_gpu_idle_devices", null)
                .get("value").getAsString()).isEqualTo("1");
        assertThat(item("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/nvidia_gpu_idle_devices",
                "labelSelector=model%3DRTX-3060").get("value").getAsString()).isEqualTo("0");
    }

    @Test
    void noMatchingGpuAndUnknownMetricsAre404s() throws Exception {
        ApiResponse none = api.handle("GET",
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/nvidia_gpu_utilization_percent",
                "labelSelector=model%3DA100", NOW);
        assertThat(none.code()).isEqualTo(404);
        assertThat(V1Status.fromJson(none.body().render()).getMessage()).endsWith("no GPU series matches the selector");
        ApiResponse unknown = api.handle("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/queue_length",
                null, NOW);
        assertThat(unknown.code()).isEqualTo(404);
        assertThat(V1Status.fromJson(unknown.body().render()).getMessage())
                .isEqualTo("the server could not find the external metric queue_length");
    }

    @Test
    void staleGpusAreNotCurrentAndTheAnswerSaysSo() throws Exception {
        FakeGpuMetrics m = new FakeGpuMetrics().add("nvidia_gpu_utilization_percent",
                Fixtures.labels("node", "a", "gpu", "0"), 50, Fixtures.STALE);
        ApiResponse r = new MetricsApi(m, Fixtures.cluster(), ApiOptions.defaults().withExternalMetrics(true))
                .handle("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/nvidia_gpu_idle_devices", null, NOW);
        assertThat(r.code()).isEqualTo(404);
        assertThat(V1Status.fromJson(r.body().render()).getMessage())
                .endsWith("of the 1 matching GPUs, its newest reading is 20.5s old, older than --max-age 6s");
    }

    @Test
    void whenExternalMetricsAreOffTheGroupIsNotServedAtAll() {
        MetricsApi off = Fixtures.api(false);
        assertThat(off.handle("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/nvidia_gpu_idle_devices",
                null, NOW).code()).isEqualTo(404);
        assertThat(off.handle("GET", "/apis/external.metrics.k8s.io/v1beta1", null, NOW).code()).isEqualTo(404);
        assertThat(off.handle("GET", "/apis/external.metrics.k8s.io", null, NOW).code()).isEqualTo(404);
    }
}
