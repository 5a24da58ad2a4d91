package io.gpuscale.adapter.hpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.PodRecord;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.selector.LabelSelector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decision the demo prints: the example HPA over the demo's cluster snapshot. */
class DemoHpaDecisionTest {
    private static final Path DEMO = Path.of("..", "deploy", "examples", "demo-cluster.yaml");

    @Test
    void theExampleHpaSelectsBothLlmServersAndScalesOnTheirMean() {
        SnapshotClusterView cluster = SnapshotClusterView.load(DEMO);
        LabelSelector selector = LabelSelector.parse("app=llm-server");
        List<HpaPod> pods = cluster.pods("demo").stream().filter(p -> selector.matches(p.labels()))
                .map(HpaPod::of).toList();

        HpaDecision d = new ReplicaCalculator().decide(HpaScale.of(pods.size(), 1, 4),
                new HpaMetric.Pods("nvidia_gpu_utilization_percent", 70_000,
                        Map.of("llm-server-mainpc-0", 90_000L, "llm-server-pc2-0", 80_000L), pods));

        assertThat(pods).extracting(HpaPod::name).containsExactly("llm-server-mainpc-0", "llm-server-pc2-0");
        assertThat(d.desiredReplicas()).isEqualTo(3);
        assertThat(d.explanation()).contains("mean 85 of 2 pods").contains("scale up 2 → 3");
    }

    @Test
    void aPodRecordBecomesAnHpaPodByItsPhase() {
        assertThat(HpaPod.of(new PodRecord("demo", "p", "u", Map.of(), "n", "Running")))
                .isEqualTo(HpaPod.running("p"));
        assertThat(HpaPod.of(new PodRecord("demo", "p", "u", Map.of(), "", "Pending")))
                .isEqualTo(HpaPod.pending("p"));
    }
}
