package io.gpuscale.adapter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Affinity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import io.kubernetes.client.openapi.models.V1NodeSelector;
import io.kubernetes.client.openapi.models.V1NodeSpec;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceQuotaSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1Taint;
import io.kubernetes.client.openapi.models.V1Toleration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterProjectionTest {
    private static final Map<String, Quantity> ONE_GPU = Map.of("nvidia.com/gpu", new Quantity("1"));

    @Test
    void aPodKeepsWhatTheSchedulerChecksNeed() {
        V1NodeAffinity affinity = new V1NodeAffinity().requiredDuringSchedulingIgnoredDuringExecution(new V1NodeSelector());
        V1Pod pod = new V1Pod()
                .metadata(new V1ObjectMeta().namespace("ml").name("trainer").uid("u1").labels(Map.of("app", "t")))
                .spec(new V1PodSpec().nodeName("gpu-1").priority(1000).schedulerName("default-scheduler")
                        .addContainersItem(new V1Container().name("main").resources(
                                new V1ResourceRequirements().requests(ONE_GPU).limits(ONE_GPU)))
                        .addInitContainersItem(new V1Container().name("setup"))
                        .addInitContainersItem(new V1Container().name("proxy").restartPolicy("Always").resources(
                                new V1ResourceRequirements().requests(Map.of("cpu", new Quantity("100m")))))
                        .overhead(Map.of("memory", new Quantity("64Mi")))
                        .nodeSelector(Map.of("nvidia.com/gpu.present", "true"))
                        .addTolerationsItem(new V1Toleration().key("nvidia.com/gpu").operator("Exists").effect("NoSchedule"))
                        .affinity(new V1Affinity().nodeAffinity(affinity)));

        PodSchedulingRecord r = ClusterProjection.podScheduling(pod);

        assertThat(r.nodeName()).isEqualTo("gpu-1");
        assertThat(r.priority()).isEqualTo(1000);
        assertThat(r.containers()).containsExactly(new ContainerResources("main", ONE_GPU, ONE_GPU, false));
        assertThat(r.initContainers()).extracting(ContainerResources::name, ContainerResources::sidecar)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("setup", false),
                        org.assertj.core.groups.Tuple.tuple("proxy", true));
        assertThat(r.overhead()).containsEntry("memory", new Quantity("64Mi"));
        assertThat(r.nodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(r.tolerations()).containsExactly(new Toleration("nvidia.com/gpu", "Exists", "", "NoSchedule", null));
        assertThat(r.nodeAffinity()).isSameAs(affinity);
        assertThat(ClusterProjection.pod(pod)).isEqualTo(new PodRecord("ml", "trainer", "u1", Map.of("app", "t"), "gpu-1", ""));
    }

    @Test
    void aBarePodProjectsToEmptiesNotNulls() {
        V1Pod pod = new V1Pod().metadata(new V1ObjectMeta().namespace("ml").name("p"));

        assertThat(ClusterProjection.pod(pod)).isEqualTo(new PodRecord("ml", "p", "", Map.of(), "", ""));
        PodSchedulingRecord r = ClusterProjection.podScheduling(pod);
        assertThat(r.containers()).isEmpty();
        assertThat(r.tolerations()).isEmpty();
        assertThat(r.nodeAffinity()).isNull();
        assertThat(r.priority()).isZero();
    }

    @Test
    void aNodeKeepsCapacityTaintsAndCordon() {
        V1Node node = new V1Node().metadata(new V1ObjectMeta().name("gpu-1").labels(Map.of("gpu", "yes")))
                .spec(new V1NodeSpec().unschedulable(true)
                        .addTaintsItem(new V1Taint().key("nvidia.com/gpu").value("present").effect("NoSchedule")))
                .status(new V1NodeStatus().capacity(Map.of("nvidia.com/gpu", new Quantity("2")))
                        .allocatable(Map.of("nvidia.com/gpu", new Quantity("2"))));

        NodeSchedulingRecord r = ClusterProjection.nodeScheduling(node);

        assertThat(r.unschedulable()).isTrue();
        assertThat(r.taints()).containsExactly(new Taint("nvidia.com/gpu", "present", "NoSchedule"));
        assertThat(r.allocatable()).containsEntry("nvidia.com/gpu", new Quantity("2"));
        assertThat(ClusterProjection.node(node)).isEqualTo(new NodeRecord("gpu-1", Map.of("gpu", "yes")));
    }

    @Test
    void aQuotaKeepsHardUsedAndScopes() {
        V1ResourceQuota q = new V1ResourceQuota().metadata(new V1ObjectMeta().namespace("demo").name("gpus"))
                .spec(new V1ResourceQuotaSpec().hard(Map.of("requests.nvidia.com/gpu", new Quantity("4")))
                        .scopes(List.of("NotTerminating")));

        assertThat(ClusterProjection.quota(q)).isEqualTo(new QuotaRecord("demo", "gpus",
                Map.of("requests.nvidia.com/gpu", new Quantity("4")), Map.of(), List.of("NotTerminating")));
    }
}
