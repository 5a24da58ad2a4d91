package io.gpuscale.bench.agent;

import io.gpuscale.agent.metrics.ExpositionBuffer;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.snapshot.NodeSnapshot;
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
 * The GPU part of a scrape body: {@link GpuExpositionWriter#write} of one node snapshot into a
 * reused {@link ExpositionBuffer}, label blocks already cached (steady state). Lives in the
 * writer's package because {@code write} is package-private. No pod labels yet: the series carry
 * node, gpu and uuid (and the info series the identity and driver labels).
 *
 * <p>Target: at most 50 µs and 64 KiB allocated per render of an 8-GPU node.
 *
 * <p>Results, 2 vCPU KVM guest (AMD EPYC, family 26), OpenJDK 17.0.15, JMH 1.37,
 * {@code java -jar bench/target/benchmarks.jar GpuExpositionWriterBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc},
 * 2026-11-23:
 * <pre>
 * Benchmark  (format)         (gpus)   us/op          B/op    body bytes
 * write      PROMETHEUS_TEXT       8    23.5 ± 13.5    6 464     57 451
 * write      OPENMETRICS           8    22.1 ±  1.7    6 528     57 439
 * write      PROMETHEUS_TEXT      64   175.0 ± 15.5   47 713    442 594
 * write      OPENMETRICS          64   164.9 ± 26.9   47 777    442 582
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GpuExpositionWriterBenchmark {

    @Param({"8", "64"})
    int gpus;

    @Param({"PROMETHEUS_TEXT", "OPENMETRICS"})
    ExpositionFormat format;

    NodeSnapshot snapshot;
    GpuExpositionWriter writer;
    ExpositionBuffer buffer;

    @Setup
    public void setUp() {
        snapshot = SimNode.h100(gpus);
        writer = new GpuExpositionWriter(SimNode.NODE);
        buffer = new ExpositionBuffer(64 * 1024);
        System.out.printf("%n# %d GPUs, %s: %d bytes%n", gpus, format, write());
    }

    /** Returns the body size; the bytes stay in the buffer, as the renderer then copies them out. */
    @Benchmark
    public int write() {
        buffer.reset();
        writer.write(snapshot, format, buffer);
        return buffer.size();
    }
}
