package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the advisor tells a person beyond kube-scheduler's one line: every failing check, with numbers. */
class ExplanationTest {
    private ClusterIndex index;
    private PlacementAdvisor advisor;

    @BeforeEach
    void homeLab() {
        index = new ClusterIndex();
        index.upsertNode(KubeSchedulerTableTest.mainpc().build());
        index.upsertNode(KubeSchedulerTableTest.pc2().build());
        index.upsertPod(pod("llm-server-mainpc-0").ns("demo").on("mainpc").req("cpu=2,memory=8Gi,nvidia.com/gpu=1")
                .phase("Running").build());
        index.upsertPod(pod("llm-server-pc2-0").ns("demo").on("pc2").req("cpu=2,memory=8Gi,nvidia.com/gpu=1")
                .tolerate("gpu", "Exists", "", "NoSchedule").phase("Running").build());
        advisor = new PlacementAdvisor(index, null, AdvisorOptions.defaults(), Clock.systemUTC());
    }

    @Test
    void everyFailingPluginIsListedAndTheFirstIsMarked() {
        Explanation e = advisor.explain(pod("trainer").req("cpu=16,nvidia.com/gpu=2").build());

        NodeVerdict pc2 = e.nodes().stream().filter(n -> n.name().equals("pc2")).findFirst().orElseThrow();
        assertThat(pc2.plugin()).isEqualTo("TaintToleration");
        assertThat(pc2.unresolvable()).isTrue();
        assertThat(pc2.statusReasons()).containsExactly("node(s) had untolerated taint(s)");
        assertThat(pc2.reasons()).extracting(Reason::plugin, Reason::message).containsExactly(
                tuple("TaintToleration", "untolerated taint gpu=rtx3060:NoSchedule"),
                tuple("NodeResourcesFit", "Insufficient cpu: requested 16, allocatable 12, used 2"),
                tuple("NodeResourcesFit", "Insufficient nvidia.com/gpu: requested 2, allocatable 2, used 1"));
        NodeVerdict mainpc = e.nodes().get(0);
        assertThat(mainpc.name()).isEqualTo("mainpc");
        assertThat(mainpc.unresolvable()).as("2 GPUs asked of a node with 1: no eviction helps").isTrue();
        assertThat(mainpc.reasons()).extracting(Reason::message)
                .containsExactly("Insufficient nvidia.com/gpu: requested 2, allocatable 1, used 1");
        assertThat(e.fitError()).isEqualTo(
                "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint(s).");
    }

    @Test
    void aNodeThatIsOnlyFullNowIsResolvableByPreemption() {
        Explanation e = advisor.explain(pod("p").req("nvidia.com/gpu=1").build());

        NodeVerdict mainpc = e.nodes().stream().filter(n -> n.name().equals("mainpc")).findFirst().orElseThrow();
        assertThat(mainpc.statusReasons()).containsExactly("Insufficient nvidia.com/gpu");
        assertThat(mainpc.unresolvable()).isFalse();
    }

    @Test
    void nodeAffinityReasonsNameTheLabelThatDidNotMatch() {
        Explanation e = advisor.explain(pod("p").selector("nvidia.com/gpu.product=NVIDIA-GeForce-RTX-3090")
                .tolerate("gpu", "Exists", "", "").build());

        assertThat(e.nodes().get(0).reasons()).extracting(Reason::message).containsExactly(
                "node(s) didn't match Pod's node affinity/selector: nodeSelector nvidia.com/gpu.product="
                        + "NVIDIA-GeForce-RTX-3090 (node has nvidia.com/gpu.product=NVIDIA-GeForce-RTX-4090)");
    }

    @Test
    void feasibleNodesComeFirstByScoreThenTheRestByName() {
        index.upsertNode(node("a-cordoned").cordoned().build());
        index.upsertNode(node("z-small").alloc("cpu=1,memory=1Gi,pods=10,nvidia.com/gpu=4").build());

        Explanation e = advisor.explain(pod("p").req("cpu=1,nvidia.com/gpu=1").tolerate("gpu", "Exists", "", "").build());

        assertThat(e.nodes()).extracting(NodeVerdict::name, NodeVerdict::feasible).containsExactly(
                tuple("pc2", true), tuple("z-small", true), tuple("a-cordoned", false), tuple("mainpc", false));
        assertThat(e.nodes().get(0).score()).isGreaterThan(e.nodes().get(1).score());
        assertThat(e.nodes().get(2).score()).isNull();
        assertThat(e.fitError()).isNull();
        assertThat(e.quota().admitted()).isTrue();
    }

    @Test
    void extenderNodeNamesLimitTheNodesAndAnUnknownNameIsInfeasible() {
        Explanation e = advisor.explainOn(pod("p").req("cpu=1").build(), List.of("mainpc", "gone"));

        assertThat(e.nodes()).extracting(NodeVerdict::name, NodeVerdict::feasible, NodeVerdict::plugin)
                .containsExactly(tuple("mainpc", true, null), tuple("gone", false, PlacementAdvisor.UNKNOWN_NODE_PLUGIN));
        assertThat(e.nodes().get(1).reasons()).extracting(Reason::message)
                .containsExactly("node \"gone\" is not in the advisor's cluster index (not listed yet, or deleted)");
    }

    @Test
    void extenderNodeObjectsAreJudgedAsGivenWithTheIndexsUsage() {
        PodSchedulingRecord p = pod("p").req("nvidia.com/gpu=1").build();

        Explanation e = advisor.explainAgainst(p, List.of(
                node("mainpc").alloc("cpu=32,memory=63Gi,pods=110,nvidia.com/gpu=2").build(),
                node("new-node").alloc("cpu=8,memory=16Gi,pods=110").build()));

        assertThat(e.nodes()).extracting(NodeVerdict::name, NodeVerdict::feasible)
                .containsExactly(tuple("mainpc", true), tuple("new-node", false));
        assertThat(e.nodes().get(1).reasons()).extracting(Reason::message)
                .containsExactly("Insufficient nvidia.com/gpu: requested 1, allocatable 0, used 0");
    }

    @Test
    void overQuotaIsSaidFirstAndTheNodeVerdictsStillCome() {
        index.upsertQuota(Build.quota("demo", "gpu-quota", "requests.nvidia.com/gpu=2", "requests.nvidia.com/gpu=2",
                List.of()));

        Explanation e = advisor.explain(pod("p").ns("demo").container("c", "", "nvidia.com/gpu=1")
                .tolerate("gpu", "Exists", "", "").build());

        assertThat(e.quota().admitted()).isFalse();
        assertThat(e.quota().message()).isEqualTo("exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1, "
                + "used: requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=2");
        assertThat(e.nodes()).extracting(NodeVerdict::name, NodeVerdict::feasible).containsExactly(tuple("pc2", true),
                tuple("mainpc", false));
    }

    @Test
    void aQuotaWithoutStatusIsReadFromItsSpec() {
        index.upsertQuota(new io.gpuscale.adapter.cluster.QuotaRecord("demo", "fresh",
                Build.res("requests.nvidia.com/gpu=1"), java.util.Map.of(), List.of()));

        Explanation e = advisor.explain(pod("p").ns("demo").container("c", "", "nvidia.com/gpu=2").build());

        assertThat(e.quota().message()).isEqualTo("exceeded quota: fresh, requested: requests.nvidia.com/gpu=2, "
                + "used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=1");
    }

    @Test
    void kubeVersionsParseWithOneClearLine() {
        assertThat(KubeVersion.parse("1.33")).isEqualTo(new KubeVersion(1, 33));
        assertThat(KubeVersion.parse("v1.33.2")).isEqualTo(new KubeVersion(1, 33));
        assertThat(KubeVersion.parse("v1.30.4+k3s1")).isEqualTo(new KubeVersion(1, 30));
        assertThat(KubeVersion.NEWEST.atLeast(1, 35)).isTrue();
        assertThatThrownBy(() -> KubeVersion.parse("latest")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a Kubernetes version: \"latest\" (expected MAJOR.MINOR such as 1.33, or v1.33.2)");
    }
}
