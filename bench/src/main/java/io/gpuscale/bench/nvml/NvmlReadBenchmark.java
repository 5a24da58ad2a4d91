package io.gpuscale.bench.nvml;

import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.nvml.NvmlGpuSource;
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
 * One full sample of a node through {@link NvmlGpuSource#read()} into the fake library: every
 * reading of every GPU, translated into {@code GpuSample}s. The fake does no driver work, so this
 * is the agent's own cost per sample on top of what real NVML calls take.
 *
 * <p>Results, 2 vCPU KVM guest (AMD EPYC, family 26), OpenJDK 17.0.15, JNA 5.19.1, JMH 1.37,
 * {@code java -jar bench/target/benchmarks.jar NvmlReadBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc},
 * 2026-11-23:
 * <pre>
 * Benchmark  (gpus)   us/op          B/op
 * read            8    15.4 ±  8.2    2 496
 * read           64   131.8 ± 56.9   18 001
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NvmlReadBenchmark {

    @Param({"8", "64"})
    int gpus;

    NvmlGpuSource source;

    @Setup
    public void open() throws GpuSourceException {
        String path = FakeNvml.path();
        FakeNvml.reset(path, gpus);
        source = new NvmlGpuSource(path);
        source.open();
        NodeReading first = source.read();
        if (first.gpus().size() != gpus || !first.gpus().stream().allMatch(g -> g.up())) {
            throw new IllegalStateException("expected " + gpus + " GPUs up, read " + first.gpus());
        }
    }

    @TearDown
    public void close() {
        source.close();
    }

    @Benchmark
    public NodeReading read() throws GpuSourceException {
        return source.read();
    }
}
