package io.gpuscale.adapter.api;

import static io.gpuscale.adapter.api.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Status;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad paths, selectors and methods: each answers its code with a Status body, never anything else. */
class MalformedRequestTest {
    private static final String CM = "/apis/custom.metrics.k8s.io/v1beta2";
    private static final String CM1 = "/apis/custom.metrics.k8s.io/v1beta1";
    private static final String EM = "/apis/external.metrics.k8s.io/v1beta1";
    private static final String UTIL = "nvidia_gpu_utilization_percent";

    static Stream<Arguments> cases() {
        return Stream.of(
                // unknown or malformed paths: 404
                row("GET", "/", null, 404),
                row("GET", "/api", null, 404),
                row("GET", "/apis/metrics.k8s.io/v1beta1", null, 404),
                row("GET", "/apis/custom.metrics.k8s.io/v1", null, 404),
                row("GET", "/apis/custom.metrics.k8s.io/v1beta3/nodes/mainpc/" + UTIL, null, 404),
                row("GET", CM + "/nodes/mainpc", null, 404),
                row("GET", CM + "/namespaces/ml/pods/infer-a", null, 404),
                row("GET", CM + "/namespaces/ml/pods/", null, 404),
                row("GET", CM + "/blah", null, 404),
                row("GET", CM + "/namespaces/ml/pods/infer-a/" + UTIL + "/extra", null, 404),
                row("GET", CM + "//nodes/mainpc/" + UTIL, null, 404),
                row("GET", CM + "/nodes/../nodes/mainpc/" + UTIL, null, 404),
                row("GET", CM + "/nodes/mainpc/" + UTIL + "%2Fx", null, 404),
                row("GET", CM + "/pods/infer-a/" + UTIL, null, 404),
                row("GET", CM + "/namespaces/ml/metrics/" + UTIL + "/x", null, 404),
                row("GET", CM + "/namespaces/ml/metrics/nvidia_gpu_power_usage_watts", null, 404),
                row("GET", CM + "/namespaces/ml/pods/infer-a/not_a_metric", null, 404),
                row("GET", CM + "/namespaces/ml/pods/ghost/" + UTIL, null, 404),
                row("GET", CM + "/nodes/ghost/" + UTIL, null, 404),
                row("GET", CM + "/namespaces/ml/pods/infer-stale/" + UTIL, null, 404),
                row("GET", EM + "/namespaces/ml", null, 404),
                row("GET", EM + "/namespaces/ml/group/metric", null, 404),
                row("GET", EM + "/nonexistent-metric", null, 404),
                row("GET", EM + "/namespaces/ml/queue_depth", null, 404),
                row("GET", "/openapi/v2", null, 404),
                row("GET", "/openapi/v3", null, 404),
                row("GET", "/openapi/v3/apis/custom.metrics.k8s.io/v1beta2", null, 404),
                // malformed encodings and selectors: 400
                row("GET", CM + "/nodes/%ZZ/" + UTIL, null, 400),
                row("GET", CM + "/nodes/%/" + UTIL, null, 400),
                row("GET", CM + "/nodes/%C3%28/" + UTIL, null, 400),
                row("GET", CM + "/namespaces/ml/pods/*/" + UTIL, "labelSelector=%", 400),
                row("GET", CM + "/namespaces/ml/pods/*/" + UTIL, "labelSelector=app%3D%3D%3Dx", 400),
                row("GET", CM + "/namespaces/ml/pods/*/" + UTIL, "labelSelector=app+in+(a", 400),
                row("GET", CM + "/namespaces/ml/pods/*/" + UTIL, "labelSelector=-bad-key-%3Dx", 400),
                row("GET", CM + "/namespaces/ml/pods/*/" + UTIL, "labelSelector=app%3D" + "v".repeat(64), 400),
                row("GET", CM1 + "/namespaces/ml/pods/*/" + UTIL, "metricLabelSelector=gpu+notin+0", 400),
                row("GET", CM1 + "/nodes/*/" + UTIL, "labelSelector=%3Dx", 400),
                row("GET", CM + "/nodes/*/" + UTIL, "fieldSelector=spec.nodeName%3Dx", 400),
                row("GET", CM + "/nodes/mainpc/" + UTIL, "fieldSelector=metadata.name%3Dpc2", 400),
                row("GET", CM + "/nodes/*/" + UTIL, "fieldSelector=garbage", 400),
                row("GET", EM + "/namespaces/ml/" + UTIL, "labelSelector=model+in+", 400),
                row("GET", CM + "/nodes/*/" + UTIL, "a=1&".repeat(40), 400),
                // wrong methods on served paths: 405
                row("POST", CM + "/namespaces/ml/pods/infer-a/" + UTIL, null, 405),
                row("PUT", CM + "/nodes/mainpc/" + UTIL, null, 405),
                row("DELETE", CM + "/namespaces/ml/pods/*/" + UTIL, null, 405),
                row("PATCH", CM, null, 405),
                row("POST", "/apis", null, 405),
                row("HEAD", "/apis/custom.metrics.k8s.io", null, 405),
                row("POST", EM + "/namespaces/ml/" + UTIL, null, 405),
                row("OPTIONS", "/healthz", null, 405),
                // too long: 414
                row("GET", CM + "/nodes/" + "n".repeat(9000) + "/" + UTIL, null, 414),
                row("GET", CM + "/nodes/*/" + UTIL, "labelSelector=" + "a".repeat(9000), 414));
    }

    private static Arguments row(String method, String path, String query, int code) {
        return Arguments.of(method, path, query, code);
    }

    @ParameterizedTest(name = "{0} {1}?{2} -> {3}")
    @MethodSource("cases")
    void answersWithTheCodeAndAStatus(String method, String path, String query, int code) throws Exception {
        ApiResponse r = Fixtures.api(true).handle(method, path, query, NOW);
        assertThat(r.code()).as(r.body().render()).isEqualTo(code);
        assertThat(r.body().contentType()).isEqualTo("application/json");
        V1Status status = V1Status.fromJson(r.body().render());
        assertThat(status.getCode()).isEqualTo(code);
        assertThat(status.getStatus()).isEqualTo("Failure");
        assertThat(status.getMessage()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(status.getReason()).isEqualTo(switch (code) {
            case 400 -> "BadRequest";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            default -> status.getReason();
        });
    }
}
