package io.gpuscale.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestKindTest {
    private static final Set<String> POSTS = Set.of("/advisor/v1/explain", "/scheduler/filter");

    private static RequestKind get(String path) {
        return RequestKind.of("GET", path, POSTS);
    }

    @Test
    void customMetricsPathsAreNamedByResourceAndScope() {
        assertThat(get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/%2A/gpu_util"))
                .isEqualTo(new RequestKind("custom.metrics.k8s.io/v1beta2", "pods", "list", "get"));
        assertThat(get("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/infer-a/gpu_util"))
                .isEqualTo(new RequestKind("custom.metrics.k8s.io/v1beta1", "pods", "single", "get"));
        assertThat(get("/apis/custom.metrics.k8s.io/v1beta2/nodes/*/gpu_util"))
                .isEqualTo(new RequestKind("custom.metrics.k8s.io/v1beta2", "nodes", "list", "get"));
        assertThat(get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/metrics/gpu_util"))
                .isEqualTo(new RequestKind("custom.metrics.k8s.io/v1beta2", "namespaces", "single", "get"));
        assertThat(get("/apis/custom.metrics.k8s.io/v1beta2"))
                .isEqualTo(new RequestKind("custom.metrics.k8s.io/v1beta2", "discovery", "none", "get"));
    }

    @Test
    void externalPostAndHealthPathsHaveTheirOwnNames() {
        assertThat(get("/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/gpu_util"))
                .isEqualTo(new RequestKind("external.metrics.k8s.io/v1beta1", "metrics", "list", "get"));
        assertThat(RequestKind.of("POST", "/advisor/v1/explain", POSTS))
                .isEqualTo(new RequestKind("advisor/v1", "explain", "none", "post"));
        assertThat(RequestKind.of("POST", "/scheduler/filter", POSTS))
                .isEqualTo(new RequestKind("scheduler", "filter", "none", "post"));
        assertThat(get("/readyz")).isEqualTo(new RequestKind("", "health", "none", "get"));
    }

    @Test
    void anythingElseIsOtherSoLabelsStayBounded() {
        for (String path : new String[] {"/", "/x", "/apis/evil.example.com/v1/a", "/apis/custom.metrics.k8s.io/v9",
                "/apis/custom.metrics.k8s.io/v1beta2/namespaces/%ZZ/pods/a/b", "/random/" + "a".repeat(100)}) {
            assertThat(get(path).groupVersion()).as(path).isEqualTo("other");
        }
        assertThat(RequestKind.of("DELETE", "/x", POSTS).verb()).isEqualTo("other");
        assertThat(get("/apis/custom.metrics.k8s.io/v1beta2/a/b/c/d/e/f").resource()).isEqualTo("other");
    }
}
