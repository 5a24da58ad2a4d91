package io.gpuscale.agent.metrics;

import io.gpuscale.agent.sample.NodeSnapshot;
import io.gpuscale.bench.SimNode;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
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
 * The whole scrape body as the sampler renders it once per snapshot:
 * {@link ExpositionRenderer#render(NodeSnapshot)} (GPU series plus the agent's Micrometer meters,
 * in both formats, each plain and gzipped), and its parts, to see where the time goes:
 * one format plain, the Micrometer self-metrics alone, and gzip of the text body alone (the same
 * {@code GZIPOutputStream} the renderer uses, default level, 8 KiB buffer; and at level 1).
 *
 * <p>Results, 2 vCPU KVM guest (AMD EPYC, family 26), OpenJDK 17.0.15, Micrometer 1.17.2, JMH 1.37,
 * {@code java -jar bench/target/benchmarks.jar ExpositionRendererBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc},
 * 2026-11-23:
 * <pre>
 * Benchmark          (gpus)    us/op            B/op
 * render                  8   1 434 ±   807    853 289
 * render                 64   5 187 ±   677  1 746 347
 * renderText              8     318 ±    29    413 722
 * renderText             64     491 ±    64    839 956
 * selfMetricsText         8     418 ±   340    340 574
 * selfMetricsText        64     727 ± 1 509    341 960
 * gzipText                8     250 ±    13      8 451
 * gzipText               64   1 944 ±   229      8 479
 * gzipText (re-run)       8     377 ±   108      8 452
 * gzipTextBestSpeed       8      70 ±    70      8 449
 * Bodies, 8 GPUs: text 64.9 kB (gzip 5.3 kB), OpenMetrics 64.8-65.3 kB, self-metrics 7.9 kB;
 * 64 GPUs: text 450.5 kB (gzip 23.3 kB).
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExpositionRendererBenchmark {
    private static final ExpositionFormatWriter TEXT = PrometheusTextFormatWriter.create();
    /** What the adapter asks for ({@code name[]}): the served families, GPU info and the sample time. */
    static final List<String> ADAPTER_NAMES = List.of("nvidia_gpu_utilization_percent",
            "nvidia_gpu_memory_used_bytes", "nvidia_gpu_memory_total_bytes", "nvidia_gpu_power_usage_watts",
            "nvidia_gpu_temperature_celsius", "nvidia_gpu_pod_utilization_percent", "nvidia_gpu_pod_memory_used_bytes",
            "nvidia_gpu_info", "gpuscale_agent_last_sample_timestamp_seconds");

    @Param({"8", "64"})
    int gpus;

    NodeSnapshot snapshot;
    AgentMetrics metrics;
    ExpositionRenderer renderer;
    ExpositionBuffer selfBuffer;
    ByteArrayOutputStream gzipBuffer;
    Gzip gzip;
    FamilyFilter adapter;
    byte[] text;

    @Setup
    public void setUp() {
        snapshot = SimNode.h100(gpus);
        metrics = new AgentMetrics("sim");
        metrics.sampleTaken(snapshot.timestampMillis(), Duration.ofMillis(1), true);
        renderer = new ExpositionRenderer(new GpuExpositionWriter(SimNode.NODE), metrics);
        selfBuffer = new ExpositionBuffer(64 * 1024);
        gzipBuffer = new ByteArrayOutputStream(16 * 1024);
        gzip = new Gzip();
        adapter = FamilyFilter.of(ADAPTER_NAMES);
        Exposition e = renderer.render(snapshot);
        text = e.body(ExpositionFormat.PROMETHEUS_TEXT, false);
        System.out.printf("%n# %d GPUs: text %d B (gzip %d B), OpenMetrics %d B (gzip %d B), self-metrics %d B, "
                + "adapter's families %d B (gzip %d B)%n",
                gpus, text.length, e.body(ExpositionFormat.PROMETHEUS_TEXT, true).length,
                e.body(ExpositionFormat.OPENMETRICS, false).length, e.body(ExpositionFormat.OPENMETRICS, true).length,
                selfMetricsText(), e.body(ExpositionFormat.PROMETHEUS_TEXT, false, adapter).length,
                e.body(ExpositionFormat.PROMETHEUS_TEXT, true, adapter).length);
    }

    @TearDown
    public void tearDown() {
        gzip.close();
        metrics.close();
    }

    /** Every variant of the whole body of one snapshot: both formats, plain and gzipped (the old per-sample work). */
    @Benchmark
    public Exposition render() {
        return renderer.render(snapshot);
    }

    /** One scrape of a new snapshot as Prometheus asks: OpenMetrics, gzipped, self metrics included. */
    @Benchmark
    public byte[] renderOpenMetricsGzip() {
        return renderer.exposition(snapshot).body(ExpositionFormat.OPENMETRICS, true);
    }

    /** One scrape of a new snapshot by the adapter: its families only, text, gzipped. */
    @Benchmark
    public byte[] renderAdapterFamiliesGzip() {
        return renderer.exposition(snapshot).body(ExpositionFormat.PROMETHEUS_TEXT, true, adapter);
    }

    /** One format, plain: GPU series plus the Micrometer scrape, copied out. */
    @Benchmark
    public byte[] renderText() {
        return renderer.render(snapshot, ExpositionFormat.PROMETHEUS_TEXT);
    }

    /** The self-metrics part of one plain text body: the agent's meters read, the JVM's reused, written. */
    @Benchmark
    public int selfMetricsText() {
        selfBuffer.reset();
        try {
            TEXT.write(selfBuffer, metrics.collect(FamilyFilter.ALL));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return selfBuffer.size();
    }

    /** Reading the JVM and process meters, which a body reuses for 10 s (a tenth of it per sample at 1 s). */
    @Benchmark
    public MetricSnapshots readJvmMeters() {
        return metrics.readJvm();
    }

    /** gzip of one plain text body, as the renderer does it (level 1, one reused deflater). */
    @Benchmark
    public int gzipText() {
        return gzip.compress(text).length;
    }

    /** The same with a new {@code GZIPOutputStream} at level 1 per body, as the renderer did before. */
    @Benchmark
    public int gzipTextStream() throws IOException {
        gzipBuffer.reset();
        try (GZIPOutputStream gz = new FastGzip(gzipBuffer)) {
            gz.write(text);
        }
        return gzipBuffer.size();
    }

    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 8192);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
