package io.gpuscale.bench.agent;

import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.Exposition;
import io.gpuscale.agent.metrics.ExpositionBuffer;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.FamilyFilter;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.metrics.Gzip;
import io.gpuscale.agent.snapshot.NodeSnapshot;
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
 * Scrape bodies as the agent renders them: on first request per snapshot, one format and encoding
 * at a time ({@code renderOpenMetricsGzip}: what a Prometheus scrape costs; {@code
 * renderAdapterFamiliesGzip}: the adapter's {@code name[]} families), all four variants of a
 * snapshot ({@code render}: what every sample cost before issue 13), and the parts: the self
 * metrics of one text body (the JVM's meters reused for 10 s), one reading of the JVM's meters, and
 * gzip of the text body (the renderer's reused level-1 {@code Deflater}, and a new
 * {@code GZIPOutputStream} per body as before).
 *
 * <p>Results, 2 vCPU KVM guest (AMD EPYC, family 26), OpenJDK 17.0.15, JMH 1.37,
 * {@code java -Djmh.ignoreLock=true -jar bench/target/benchmarks.jar ExpositionRendererBenchmark -p gpus=8 -f 3 -wi 3 -i 5 -w 1s -r 1s -prof gc},
 * 2026-12-03, load average 11.8-15.5 from other people's work (times are min / median / max of
 * the 15 iterations and mostly load; B/op is stable):
 * <pre>
 * Benchmark                  (gpus)   us/op min / median / max      B/op
 * render                          8   1 411 / 2 619 / 6 628     210 239
 * renderOpenMetricsGzip           8     553 /   833 / 2 347     110 884
 * renderAdapterFamiliesGzip       8      86 /   175 /   254      74 004
 * selfMetricsText                 8     228 /   393 / 1 305      47 426
 * readJvmMeters                   8     194 /   474 / 1 219      83 921
 * gzipText                        8     168 /   279 /   449       5 514
 * gzipTextStream                  8     227 /   309 /   455       8 452
 * Bodies, 8 GPUs: text 64.2 kB (gzip 5.5 kB), OpenMetrics 64.1 kB (gzip 5.5 kB), self-metrics
 * 6.7 kB, the adapter's families 8.9 kB (gzip 1.4 kB). Taken before a selection without JVM meters
 * stopped calling the Prometheus writer (about 24 kB per call), which renderAdapterFamiliesGzip pays.
 * Before issue 13 (2026-11-23): render 1 434 us, 853 289 B/op; selfMetricsText 340 574 B/op.
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
