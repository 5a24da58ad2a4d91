package io.gpuscale.bench.advisor;

import io.gpuscale.adapter.advisor.ClusterIndex;
import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.io.ExplanationJson;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.store.MetricStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Filter + score for one pod over 5 000 nodes and 50 000 running pods ({@link PlacementCluster}):
 * {@link PlacementAdvisor#explain}, the call behind {@code POST /advisor/v1/explain} and, restricted
 * to the names asked about, behind the extender's filter and prioritize. The index is built once,
 * event by event, as the informers build it; nothing is rebuilt per call. GPU readings come from a
 * {@link MetricStore} filled through the scrape parser and are fresh (1 s old) at the clock's time.
 *
 * <p>SampleTime: JMH reports the distribution, p99 included, of single calls.
 *
 * <p>Results: see {@code docs/performance.md}, section "Placement advisor".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PlacementAdvisorBenchmark {

    @Param({"gpu1", "gpu4-affinity", "gpu16"})
    String pod;

    ClusterIndex index;
    PlacementAdvisor advisor;
    PodSchedulingRecord asked;
    List<String> extenderNames;

    @Setup
    public void setUp() {
        long sampled = System.currentTimeMillis();
        index = PlacementCluster.index();
        MetricStore metrics = PlacementCluster.metrics(sampled);
        advisor = PlacementCluster.advisor(index, metrics,
                Clock.fixed(Instant.ofEpochMilli(sampled + 1000), ZoneOffset.UTC));
        asked = PlacementCluster.pod(pod);
        // kube-scheduler sends an extender the nodes that passed its own filters, at most
        // percentageOfNodesToScore of them: 10 % of 5 000, 500 names.
        extenderNames = new ArrayList<>();
        for (int i = 0; i < PlacementCluster.NODES; i += 10) {
            extenderNames.add(PlacementCluster.node(i));
        }
        Explanation e = advisor.explain(asked);
        long feasible = e.nodes().stream().filter(NodeVerdict::feasible).count();
        if (e.nodes().size() != PlacementCluster.NODES) {
            throw new IllegalStateException("expected " + PlacementCluster.NODES + " verdicts, got " + e.nodes().size());
        }
        System.out.printf("%n# %s: %d of %d nodes feasible, quota %s, fitError %s%n", pod, feasible, e.nodes().size(),
                e.quota().admitted() ? "admits" : "refuses", e.fitError());
    }

    @TearDown
    public void tearDown() {
        index.close();
    }

    @Benchmark
    public Explanation explain() {
        return advisor.explain(asked);
    }

    /**
     * What {@code POST /advisor/v1/explain} does beyond {@link #explain}: the explanation rendered
     * as its JSON document, every infeasible node's reasons worded ({@link
     * io.gpuscale.adapter.advisor.Reason#message()} writes them on first use).
     */
    @Benchmark
    public String explainRenderedAsJson() {
        return ExplanationJson.render(advisor.explain(asked));
    }

    /** The extender's filter and prioritize with {@code nodeCacheCapable}: the pod on 500 named nodes. */
    @Benchmark
    public Explanation explainOn500Names() {
        return advisor.explainOn(asked, extenderNames);
    }
}
