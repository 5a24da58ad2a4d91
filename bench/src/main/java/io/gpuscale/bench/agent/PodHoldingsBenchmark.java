package io.gpuscale.bench.agent;

import io.gpuscale.agent.attribution.Holding;
import io.gpuscale.agent.pods.DeviceAllocation;
import io.gpuscale.agent.pods.KubeletPods;
import io.gpuscale.bench.PodLayout;
import io.gpuscale.bench.SimNode;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The kubelet's allocations turned into holdings, once per sample:
 * {@link KubeletPods#toHoldings} ({@link DeviceId#parse} of every device ID, a {@code PodRef}
 * and a {@code Holding} each), for the allocations of {@link PodLayout} (8 GPUs, 4 whole and
 * 4 time-sliced, {@code GPU-<uuid>::<n>} IDs on those). Lives in the agent's package because
 * {@code toHoldings} is package-private.
 *
 * <p>Results: see {@code docs/performance.md}, section "Pod attribution (issue 3)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PodHoldingsBenchmark {

    @Param({"16", "64", "256"})
    int pods;

    List<DeviceAllocation> allocations;

    @Setup
    public void setUp() {
        allocations = PodLayout.of(SimNode.h100(8).gpus(), pods, "pod", 100_000, 0).allocations();
    }

    @Benchmark
    public List<Holding> toHoldings() {
        return KubeletPods.toHoldings(allocations);
    }
}
