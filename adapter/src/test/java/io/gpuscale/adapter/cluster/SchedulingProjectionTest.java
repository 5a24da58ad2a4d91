package io.gpuscale.adapter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceQuotaSpec;
import io.kubernetes.client.openapi.models.V1ResourceQuotaStatus;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1ScopeSelector;
import io.kubernetes.client.openapi.models.V1ScopedResourceSelectorRequirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fields the placement advisor added to the projections: phase, quota scopes, pod-level resources, status.hard. */
class SchedulingProjectionTest {

    @Test
    void aPodKeepsPhasePriorityClassDeadlineAndPodLevelResources() {
        V1Pod pod = new V1Pod().metadata(new V1ObjectMeta().namespace("ml").name("job"))
                .spec(new V1PodSpec().priorityClassName("high").activeDeadlineSeconds(600L)
                        .resources(new V1ResourceRequirements().requests(Map.of("cpu", new Quantity("2")))
                                .limits(Map.of("memory", new Quantity("4Gi")))))
                .status(new V1PodStatus().phase("Succeeded"));

        PodSchedulingRecord r = ClusterProjection.podScheduling(pod);

        assertThat(r.phase()).isEqualTo("Succeeded");
        assertThat(r.terminal()).isTrue();
        assertThat(r.priorityClassName()).isEqualTo("high");
        assertThat(r.activeDeadlineSeconds()).isEqualTo(600L);
        assertThat(r.podRequests()).containsExactly(Map.entry("cpu", new Quantity("2")));
        assertThat(r.podLimits()).containsExactly(Map.entry("memory", new Quantity("4Gi")));
    }

    @Test
    void aBarePodIsNeitherTerminalNorScoped() {
        PodSchedulingRecord r = ClusterProjection.podScheduling(new V1Pod().metadata(new V1ObjectMeta().namespace("ml").name("p")));

        assertThat(r.phase()).isEmpty();
        assertThat(r.terminal()).isFalse();
        assertThat(r.priorityClassName()).isEmpty();
        assertThat(r.activeDeadlineSeconds()).isNull();
        assertThat(r.podRequests()).isEmpty();
    }

    @Test
    void aQuotaKeepsStatusHardAndItsScopeSelector() {
        V1ResourceQuota q = new V1ResourceQuota().metadata(new V1ObjectMeta().namespace("demo").name("high-gpus"))
                .spec(new V1ResourceQuotaSpec().hard(Map.of("requests.nvidia.com/gpu", new Quantity("4")))
                        .scopeSelector(new V1ScopeSelector().addMatchExpressionsItem(new V1ScopedResourceSelectorRequirement()
                                .scopeName("PriorityClass").operator("In").values(List.of("high")))))
                .status(new V1ResourceQuotaStatus().hard(Map.of("requests.nvidia.com/gpu", new Quantity("4")))
                        .used(Map.of("requests.nvidia.com/gpu", new Quantity("1"))));

        QuotaRecord r = ClusterProjection.quota(q);

        assertThat(r.statusHard()).containsEntry("requests.nvidia.com/gpu", new Quantity("4"));
        assertThat(r.used()).containsEntry("requests.nvidia.com/gpu", new Quantity("1"));
        assertThat(r.scopeSelector()).containsExactly(new QuotaRecord.ScopeRequirement("PriorityClass", "In", List.of("high")));
    }
}
