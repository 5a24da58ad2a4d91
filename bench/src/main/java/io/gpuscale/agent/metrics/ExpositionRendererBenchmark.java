package io.gpuscale.agent.metrics;

import io.gpuscale.agent.sample.NodeSnapshot;
import io.gpuscale.bench.SimNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
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

    @Param({"8", "64"})
    int gpus;

    NodeSnapshot snapshot;
    AgentMetrics metrics;
    ExpositionRenderer renderer;
    ExpositionBuffer selfBuffer;
    ByteArrayOutputStream gzipBuffer;
    byte[] text;

    @Setup
    public void setUp() {
        snapshot = SimNode.h100(gpus);
        metrics = new AgentMetrics("sim");
        metrics.sampleTaken(snapshot.timestampMillis(), Duration.ofMillis(1), true);
        renderer = new ExpositionRenderer(new GpuExpositionWriter(SimNode.NODE), metrics.registry());
        selfBuffer = new ExpositionBuffer(64 * 1024);
        gzipBuffer = new ByteArrayOutputStream(16 * 1024);
        Exposition e = renderer.render(snapshot);
        text = e.text();
        System.out.printf("%n# %d GPUs: text %d B (gzip %d B), OpenMetrics %d B (gzip %d B), self-metrics %d B%n",
                gpus, e.text().length, e.textGzip().length, e.openMetrics().length, e.openMetricsGzip().length,
                selfMetricsText());
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    /** What the sampler does per snapshot: both formats, plain and gzipped. */
    @Benchmark
    public Exposition render() {
        return renderer.render(snapshot);
    }

    /** One format, plain: GPU series plus the Micrometer scrape, copied out. */
    @Benchmark
    public byte[] renderText() {
        return renderer.render(snapshot, ExpositionFormat.PROMETHEUS_TEXT);
    }

    /** The Micrometer part of one plain text body. */
    @Benchmark
    public int selfMetricsText() {
        selfBuffer.reset();
        try {
            metrics.registry().scrape(selfBuffer, ExpositionFormat.PROMETHEUS_TEXT.contentType());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return selfBuffer.size();
    }

    /** gzip of one plain text body, as the renderer does it. */
    @Benchmark
    public int gzipText() throws IOException {
        gzipBuffer.reset();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipBuffer, 8192)) {
            gz.write(text);
        }
        return gzipBuffer.size();
    }

    /** The same at {@code Deflater.BEST_SPEED} (level 1) instead of the default (6), for comparison. */
    @Benchmark
    public int gzipTextBestSpeed() throws IOException {
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
