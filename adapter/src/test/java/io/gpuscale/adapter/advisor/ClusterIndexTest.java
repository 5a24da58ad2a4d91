package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ClusterIndexTest {
    private static final Path DEMO = Path.of("..", "deploy", "examples", "demo-cluster.yaml");
    private static final String[] NODES = {"n0", "n1", "n2", "n3", "n4", "n5"};
    private static final String[] PHASES = {"", "Pending", "Running", "Running", "Succeeded", "Failed"};

    @Test
    void aBoundRunningPodAddsItsEffectiveRequestAndOnePodToItsNode() {
        ClusterIndex index = new ClusterIndex();
        index.upsertNode(node("mainpc").build());
        index.upsertPod(pod("llm").on("mainpc").req("cpu=500m,nvidia.com/gpu=1").init("cpu=2").overhead("memory=64Mi")
                .phase("Running").build());

        assertThat(index.requested("mainpc")).containsExactly(Map.entry("cpu", 2000L),
                Map.entry("memory", 64L * 1024 * 1024), Map.entry("nvidia.com/gpu", 1L));
        assertThat(index.podCount("mainpc")).isEqualTo(1);
    }

    @Test
    void unboundAndTerminalPodsCountNowhere() {
        ClusterIndex index = new ClusterIndex();
        index.upsertNode(node("mainpc").build());
        index.upsertPod(pod("pending").req("cpu=1").build());
        index.upsertPod(pod("done").on("mainpc").req("cpu=1").phase("Succeeded").build());
        index.upsertPod(pod("crashed").on("mainpc").req("cpu=1").phase("Failed").build());

        assertThat(index.requested("mainpc")).isEmpty();
        assertThat(index.podCount("mainpc")).isZero();
    }

    @Test
    void aPodThatFinishesOrMovesGivesItsRequestBack() {
        ClusterIndex index = new ClusterIndex();
        index.upsertPod(pod("job").on("n0").req("nvidia.com/gpu=2").phase("Running").build());
        index.upsertPod(pod("job").on("n0").req("nvidia.com/gpu=2").phase("Succeeded").build());
        index.upsertPod(pod("web").on("n0").req("cpu=1").build());
        index.upsertPod(pod("web").on("n1").req("cpu=1").build());

        assertThat(index.requested("n0")).isEmpty();
        assertThat(index.requested("n1")).containsExactly(Map.entry("cpu", 1000L));
    }

    @Test
    void podsBoundToANodeNotYetSeenAreFoundWhenTheNodeArrives() {
        ClusterIndex index = new ClusterIndex();
        index.upsertPod(pod("early").on("late-node").req("nvidia.com/gpu=1").build());
        index.upsertNode(node("late-node").alloc("cpu=4,memory=8Gi,pods=10,nvidia.com/gpu=1").build());
        PlacementAdvisor advisor = new PlacementAdvisor(index, null, AdvisorOptions.defaults(), Clock.systemUTC());

        Explanation e = advisor.explain(pod("next").req("nvidia.com/gpu=1").build());

        assertThat(e.nodes().get(0).reasons()).extracting(Reason::message)
                .containsExactly("Insufficient nvidia.com/gpu: requested 1, allocatable 1, used 1");
    }

    @Test
    void followsASnapshotViewLoadedOnce() {
        ClusterIndex index = ClusterIndex.of(SnapshotClusterView.load(DEMO));

        assertThat(index.nodeCount()).isEqualTo(2);
        assertThat(index.requested("mainpc")).containsEntry("nvidia.com/gpu", 1L);
        assertThat(index.read(() -> index.quotas("demo"))).extracting(q -> q.name()).containsExactly("gpu-quota");
    }

    /**
     * Random adds, updates and deletes of nodes and pods (fixed seed) leave the same sums, pod
     * counts and explanations as an index built from scratch from what is left.
     */
    @Test
    void incrementalUpdatesMatchARecomputationFromScratch() {
        Random random = new Random(20261123L);
        ClusterIndex index = new ClusterIndex();
        Map<String, NodeSchedulingRecord> nodes = new TreeMap<>();
        Map<String, PodSchedulingRecord> pods = new LinkedHashMap<>();
        PodSchedulingRecord probe = pod("probe").req("cpu=500m,nvidia.com/gpu=1").build();

        for (int step = 1; step <= 5_000; step++) {
            int op = random.nextInt(10);
            if (op == 0) {
                String name = NODES[random.nextInt(NODES.length)];
                NodeSchedulingRecord n = node(name).alloc("cpu=" + (1 + random.nextInt(16)) + ",memory="
                        + (1 + random.nextInt(64)) + "Gi,pods=" + random.nextInt(40) + ",nvidia.com/gpu="
                        + random.nextInt(4)).build();
                nodes.put(name, n);
                index.upsertNode(n);
            } else if (op == 1) {
                String name = NODES[random.nextInt(NODES.length)];
                nodes.remove(name);
                index.removeNode(name);
            } else if (op <= 7) {
                PodSchedulingRecord p = randomPod(random);
                pods.put(p.namespace() + "/" + p.name(), p);
                index.upsertPod(p);
            } else {
                String key = "ns/p" + random.nextInt(60);
                pods.remove(key);
                index.removePod("ns", key.substring(3));
            }
            if (step % 250 == 0) {
                ClusterIndex fresh = new ClusterIndex();
                nodes.values().forEach(fresh::upsertNode);
                pods.values().forEach(fresh::upsertPod);
                for (String name : NODES) {
                    assertThat(index.requested(name)).as("requested on %s at step %d", name, step)
                            .isEqualTo(fresh.requested(name));
                    assertThat(index.podCount(name)).as("pods on %s at step %d", name, step)
                            .isEqualTo(fresh.podCount(name));
                }
                assertThat(explain(index, probe)).as("explanation at step %d", step).isEqualTo(explain(fresh, probe));
            }
        }
    }

    private static Explanation explain(ClusterIndex index, PodSchedulingRecord pod) {
        return new PlacementAdvisor(index, null, AdvisorOptions.defaults(), Clock.systemUTC()).explain(pod);
    }

    private static PodSchedulingRecord randomPod(Random random) {
        Build.PodBuilder b = pod("p" + random.nextInt(60)).ns("ns").phase(PHASES[random.nextInt(PHASES.length)]);
        if (random.nextInt(4) != 0) {
            b.on(NODES[random.nextInt(NODES.length)]);
        }
        List<String> parts = new ArrayList<>();
        if (random.nextBoolean()) {
            parts.add("cpu=" + (1 + random.nextInt(2000)) + "m");
        }
        if (random.nextBoolean()) {
            parts.add("memory=" + (1 + random.nextInt(4096)) + "Mi");
        }
        if (random.nextInt(3) == 0) {
            parts.add("nvidia.com/gpu=" + (1 + random.nextInt(2)));
        }
        b.req(String.join(",", parts));
        if (random.nextInt(5) == 0) {
            b.init("cpu=" + (1 + random.nextInt(3)));
        }
        if (random.nextInt(5) == 0) {
            b.sidecar("memory=" + (1 + random.nextInt(512)) + "Mi");
        }
        return b.build();
    }
}
