package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Explanations read while pod and node events write: readers never fail or see a node twice, every
 * node with room stays feasible, and the sums end where they should.
 */
class ConcurrentIndexTest {

    @Test
    void explanationsDuringPodAndNodeChurnStayWholeAndTheSumsEndRight() throws Exception {
        ClusterIndex index = new ClusterIndex();
        for (int n = 0; n < 20; n++) {
            index.upsertNode(node("n" + n).alloc("cpu=64,memory=256Gi,pods=1000,nvidia.com/gpu=8").build());
        }
        PlacementAdvisor advisor = new PlacementAdvisor(index, null, AdvisorOptions.defaults(), Clock.systemUTC());
        PodSchedulingRecord probe = pod("probe").req("nvidia.com/gpu=1").build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        for (int i = 0; i < 20; i++) {
                            String name = "w" + writer + "-" + i;
                            index.upsertPod(pod(name).on("n" + i).req("cpu=1,nvidia.com/gpu=1").phase("Running").build());
                        }
                        for (int i = 0; i < 20; i++) {
                            index.removePod("default", "w" + writer + "-" + i);
                        }
                    }
                }));
            }
            writers.add(pool.submit(() -> {
                for (int round = 0; round < 200; round++) {
                    for (int i = 0; i < 10; i++) {
                        index.upsertNode(node("x" + i).alloc("cpu=64,memory=256Gi,pods=1000,nvidia.com/gpu=" + (1 + round % 4))
                                .build());
                    }
                    for (int i = 0; i < 10; i++) {
                        index.removeNode("x" + i);
                    }
                }
            }));
            List<Future<List<Integer>>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    List<Integer> feasible = new ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        Explanation e = advisor.explain(probe);
                        feasible.add((int) e.nodes().stream().filter(NodeVerdict::feasible).count());
                        assertThat(e.nodes()).extracting(NodeVerdict::name).doesNotHaveDuplicates();
                    }
                    return feasible;
                }));
            }
            for (Future<?> f : writers) {
                f.get();
            }
            for (Future<List<Integer>> f : readers) {
                assertThat(f.get()).allSatisfy(count -> assertThat(count).isBetween(20, 30));
            }
        } finally {
            pool.shutdownNow();
        }

        for (int n = 0; n < 20; n++) {
            assertThat(index.requested("n" + n)).as("n%d", n).isEmpty();
            assertThat(index.podCount("n" + n)).isZero();
        }
    }
}
