package io.gpuscale.adapter.api;

import static io.gpuscale.adapter.api.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.ServedMetric;
import io.kubernetes.client.openapi.models.V1APIGroup;
import io.kubernetes.client.openapi.models.V1APIGroupList;
import io.kubernetes.client.openapi.models.V1APIResource;
import io.kubernetes.client.openapi.models.V1APIResourceList;
import io.kubernetes.client.openapi.models.V1GroupVersionForDiscovery;
import io.kubernetes.client.openapi.models.VersionInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Discovery documents, decoded strictly (unknown or missing required fields fail) by the Java client's models. */
class DiscoveryTest {

    private static String get(MetricsApi api, String path) {
        ApiResponse r = api.handle("GET", path, null, NOW);
        assertThat(r.code()).as(r.body().render()).isEqualTo(200);
        return r.body().render();
    }

    @Test
    void apisListsCustomMetricsPreferringV1beta2AndExternalOnlyWhenEnabled() throws Exception {
        V1APIGroupList off = V1APIGroupList.fromJson(get(Fixtures.api(false), "/apis"));
        assertThat(off.getKind()).isEqualTo("APIGroupList");
        assertThat(off.getApiVersion()).isEqualTo("v1");
        assertThat(off.getGroups()).extracting(V1APIGroup::getName).containsExactly("custom.metrics.k8s.io");
        V1APIGroup custom = off.getGroups().get(0);
        assertThat(custom.getVersions()).extracting(V1GroupVersionForDiscovery::getGroupVersion)
                .containsExactly("custom.metrics.k8s.io/v1beta2", "custom.metrics.k8s.io/v1beta1");
        assertThat(custom.getPreferredVersion().getVersion()).isEqualTo("v1beta2");

        V1APIGroupList on = V1APIGroupList.fromJson(get(Fixtures.api(true), "/apis"));
        assertThat(on.getGroups()).extracting(V1APIGroup::getName)
                .containsExactly("custom.metrics.k8s.io", "external.metrics.k8s.io");
        assertThat(on.getGroups().get(1).getPreferredVersion().getGroupVersion())
                .isEqualTo("external.metrics.k8s.io/v1beta1");
    }

    @Test
    void groupDocumentsNameTheirVersions() throws Exception {
        V1APIGroup g = V1APIGroup.fromJson(get(Fixtures.api(false), "/apis/custom.metrics.k8s.io"));
        assertThat(g.getKind()).isEqualTo("APIGroup");
        assertThat(g.getName()).isEqualTo("custom.metrics.k8s.io");
        assertThat(g.getPreferredVersion().getGroupVersion()).isEqualTo("custom.metrics.k8s.io/v1beta2");
        V1APIGroup e = V1APIGroup.fromJson(get(Fixtures.api(true), "/apis/external.metrics.k8s.io/"));
        assertThat(e.getVersions()).hasSize(1);
    }

    @Test
    void eachVersionListsEveryServedMetricForPodsNodesAndNamespacesWithOneScopePerResource() throws Exception {
        for (String version : List.of("v1beta1", "v1beta2")) {
            V1APIResourceList list = V1APIResourceList.fromJson(
                    get(Fixtures.api(false), "/apis/custom.metrics.k8s.io/" + version));
            assertThat(list.getKind()).isEqualTo("APIResourceList");
            assertThat(list.getApiVersion()).isEqualTo("v1");
            assertThat(list.getGroupVersion()).isEqualTo("custom.metrics.k8s.io/" + version);
            assertThat(list.getResources()).isNotEmpty();
            Map<String, Boolean> scope = new HashMap<>();
            for (V1APIResource r : list.getResources()) {
                assertThat(r.getVerbs()).containsExactly("get");
                assertThat(r.getKind()).isEqualTo("MetricValueList");
                assertThat(r.getSingularName()).isEmpty();
                String parent = r.getName().substring(0, r.getName().indexOf('/'));
                assertThat(scope.putIfAbsent(parent, r.getNamespaced())).as(parent)
                        .isIn(null, r.getNamespaced());
            }
            assertThat(scope).containsExactlyInAnyOrderEntriesOf(Map.of("pods", true, "nodes", false,
                    "namespaces", false));
            List<String> names = list.getResources().stream().map(V1APIResource::getName).toList();
            for (ServedMetric m : ServedMetric.forPods()) {
                assertThat(names).contains("pods/" + m.name(), "namespaces/" + m.name());
            }
            for (ServedMetric m : ServedMetric.forNodes()) {
                assertThat(names).contains("nodes/" + m.name());
            }
        }
    }

    @Test
    void externalVersionListsItsMetricsAsNamespacedResources() throws Exception {
        V1APIResourceList list = V1APIResourceList.fromJson(
                get(Fixtures.api(true), "/apis/external.metrics.k8s.io/v1beta1"));
        assertThat(list.getGroupVersion()).isEqualTo("external.metrics.k8s.io/v1beta1");
        assertThat(list.getResources()).extracting(V1APIResource::getName)
                .containsExactly("nvidia_gpu_utilization_percent", "nvidia_gpu_idle_devices");
        assertThat(list.getResources()).allSatisfy(r -> {
            assertThat(r.getNamespaced()).isTrue();
            assertThat(r.getKind()).isEqualTo("ExternalMetricValueList");
        });
    }

    @Test
    void versionHealthAndReadiness() throws Exception {
        MetricsApi api = Fixtures.api(false);
        VersionInfo v = VersionInfo.fromJson(get(api, "/version"));
        assertThat(v.getGitVersion()).isEqualTo("v0.0.0-dev");
        assertThat(get(api, "/healthz")).isEqualTo("ok");
        assertThat(get(api, "/livez")).isEqualTo("ok");
        assertThat(get(api, "/readyz")).isEqualTo("ok");
        FakeClusterView unsynced = Fixtures.cluster();
        unsynced.ready = false;
        ApiResponse r = new MetricsApi(Fixtures.metrics(), unsynced, ApiOptions.defaults()).handle("GET", "/readyz",
                null, NOW);
        assertThat(r.code()).isEqualTo(500);
        assertThat(r.body().contentType()).startsWith("text/plain");
    }
}
