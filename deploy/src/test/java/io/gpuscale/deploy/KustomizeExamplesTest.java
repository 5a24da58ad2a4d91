package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.ServedMetric;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1Taint;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.nio.file.Files;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The files applied next to the kustomizations, and the home lab's addresses, agree with the renderings. */
class KustomizeExamplesTest {
    /** pc2's taint in the seed cluster: its RTX 3060 is for GPU work only. */
    static final V1Taint PC2_TAINT = new V1Taint().key("nvidia.com/gpu").value("present").effect("NoSchedule");

    @Test
    void theHomeLabWorkloadToleratesPc2AndAsksForAGpuThroughK3sRuntimeClass() throws Exception {
        KustomizeRender w = KustomizeExamples.file(KustomizeExamples.HOME_LAB_WORKLOAD);
        V1Deployment d = w.model(w.get("Deployment", "llm-server"), V1Deployment.class);
        assertThat(d.getMetadata().getNamespace()).isEqualTo("demo");
        assertThat(w.find("Namespace", "demo")).isPresent();
        V1PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getTolerations()).as("a toleration of pc2's taint").anyMatch(t -> tolerates(t, PC2_TAINT));
        assertThat(pod.getRuntimeClassName()).isEqualTo("nvidia");
        assertThat(pod.getContainers()).singleElement().satisfies(c -> assertThat(c.getResources().getLimits())
                .containsKey("nvidia.com/gpu"));
        // the kustomization documents the same taint command
        assertThat(Files.readString(Manifests.deploy().resolve("overlays/k3s-home-lab/kustomization.yaml")))
                .contains("kubectl taint node pc2 nvidia.com/gpu=present:NoSchedule")
                .contains("kubectl label node mainpc pc2 gpuscale.io/gpu=true");
        // the adapter does not tolerate it: its replicas stay off the GPU-only node
        KustomizeRender lab = KustomizeTest.render("overlays/k3s-home-lab");
        assertThat(Objects.requireNonNullElse(lab.adapter().getSpec().getTemplate().getSpec().getTolerations(),
                List.<V1Toleration>of())).noneMatch(t -> tolerates(t, PC2_TAINT));
        assertThat(lab.agent().getSpec().getTemplate().getSpec().getTolerations()).anyMatch(t -> tolerates(t, PC2_TAINT));
    }

    /** The kube-scheduler's toleration semantics for one taint. */
    static boolean tolerates(V1Toleration t, V1Taint taint) {
        if (t.getEffect() != null && !t.getEffect().equals(taint.getEffect())) {
            return false;
        }
        if (t.getKey() == null) {
            return "Exists".equals(t.getOperator());
        }
        if (!t.getKey().equals(taint.getKey())) {
            return false;
        }
        return "Exists".equals(t.getOperator())
                || Objects.equals(Objects.requireNonNullElse(t.getValue(), ""), Objects.requireNonNullElse(taint.getValue(), ""));
    }

    @Test
    void theExampleHpasScaleTheirWorkloadOnAMetricTheAdapterServesForPods() {
        KustomizeRender w = KustomizeExamples.file(KustomizeExamples.HOME_LAB_WORKLOAD);
        V2HorizontalPodAutoscaler hpa = w.model(w.get("HorizontalPodAutoscaler", "llm-server"),
                V2HorizontalPodAutoscaler.class);
        var target = hpa.getSpec().getScaleTargetRef();
        assertThat(w.get(target.getKind(), target.getName()).namespace()).isEqualTo(hpa.getMetadata().getNamespace());
        assertThat(hpa.getSpec().getMaxReplicas()).as("one replica per GPU of the lab").isLessThanOrEqualTo(2);
        KustomizeRender seed = KustomizeExamples.file(KustomizeExamples.SEED_HPA);
        assertThat(seed.ofKind("HorizontalPodAutoscaler")).hasSize(1);
        for (String metric : KustomizeExamples.hpaPodMetrics()) {
            assertThat(ServedMetric.forPods()).extracting(ServedMetric::name).contains(metric);
        }
        assertThat(KustomizeExamples.hpaPodMetrics()).containsExactly("nvidia_gpu_utilization_percent");
    }

    @Test
    void theHomeLabsExtenderAddressIsThePinnedClusterIpInK3sServiceCidrAndTheSchedulerConfigShowsIt()
            throws Exception {
        KustomizeRender lab = KustomizeTest.render("overlays/k3s-home-lab");
        V1Service svc = lab.model(lab.get("Service", "gpuscale-adapter"), V1Service.class);
        String ip = svc.getSpec().getClusterIP();
        assertThat(ip).isEqualTo("10.43.200.200").startsWith("10.43."); // k3s's service CIDR 10.43.0.0/16
        int port = svc.getSpec().getPorts().stream().filter(p -> p.getName().equals("scheduler-extender"))
                .findFirst().orElseThrow().getPort();
        String config = Files.readString(Manifests.deploy()
                .resolve("examples/scheduler-extender/kube-scheduler-config.yaml"));
        assertThat(config).contains("https://" + ip + ":" + port + "/scheduler")
                .contains("urlPrefix: https://10.96.0.200:" + port + "/scheduler");
        // the extender's NetworkPolicy admits mainpc's own pod-network addresses, no pods
        assertThat(Files.readString(Manifests.deploy().resolve("overlays/k3s-home-lab/kustomization.yaml")))
                .contains("cidr: 10.42.0.0/31");
        // base pins nothing: the generic install gets whatever address the cluster hands out
        assertThat(KustomizeTest.render("base").model(KustomizeTest.render("base").get("Service", "gpuscale-adapter"),
                V1Service.class).getSpec().getClusterIP()).isNull();
    }
}
