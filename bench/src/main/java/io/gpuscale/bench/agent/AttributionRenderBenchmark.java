package io.gpuscale.bench.agent;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.metrics.ExpositionBuffer;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.bench.PodLayout;
import io.gpuscale.bench.SimNode;
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
 * What pod labels add to rendering: {@link GpuExpositionWriter#write} (text format) of the same
 * 8-GPU snapshot with the attribution of {@link PodLayout} ({@code withPods}: pod labels on the
 * 4 whole GPUs' series, plus {@code nvidia_gpu_pod_utilization_percent} and
 * {@code nvidia_gpu_pod_memory_used_bytes} per pod, plus {@code nvidia_gpu_allocatable_devices})
 * and without ({@code withoutPods}: {@link Attribution#NONE}). Label blocks are cached in both,
 * as in steady state. The sampler renders twice per sample (text and OpenMetrics).
 *
 * <p>Results: see {@code docs/performance.md}, section "Pod attribution (issue 3)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AttributionRenderBenchmark {

    @Param({"16", "64", "256"})
    int pods;

    NodeSnapshot withPods;
    NodeSnapshot withoutPods;
    GpuExpositionWriter writer;
    ExpositionBuffer buffer;

    @Setup
    public void setUp() {
        NodeSnapshot base = SimNode.h100(8);
        PodLayout layout = PodLayout.of(base.gpus(), pods, "pod", 100_000, base.timestampMillis() * 1000);
        withPods = new NodeSnapshot(1, base.timestampMillis(), base.node(), base.source(), base.driver(),
                layout.gpus(), layout.attribute());
        withoutPods = new NodeSnapshot(1, base.timestampMillis(), base.node(), base.source(), base.driver(),
                layout.gpus(), Attribution.NONE);
        writer = new GpuExpositionWriter(SimNode.NODE);
        buffer = new ExpositionBuffer(64 * 1024);
        int without = withoutPods();
        System.out.printf("%n# %d pods: body %d B with pod labels, %d B without%n", pods, withPods(), without);
    }

    @Benchmark
    public int withPods() {
        buffer.reset();
        writer.write(withPods, ExpositionFormat.PROMETHEUS_TEXT, buffer);
        return buffer.size();
    }

    @Benchmark
    public int withoutPods() {
        buffer.reset();
        writer.write(withoutPods, ExpositionFormat.PROMETHEUS_TEXT, buffer);
        return buffer.size();
    }
}
