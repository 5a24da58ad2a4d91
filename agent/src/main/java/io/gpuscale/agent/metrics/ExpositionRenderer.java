package io.gpuscale.agent.metrics;

import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Renders scrape bodies: the GPU series from {@link GpuExpositionWriter} followed by the agent's
 * own Micrometer meters. {@link #exposition} gives a snapshot's bodies, each rendered on its first
 * request and kept for the rest of the snapshot's life, so a sample nobody asks for costs nothing
 * and a body is rendered at most once per sample.
 *
 * <p>Thread-safe: renders are serialized (the GPU writer's label caches and the buffers are reused).
 */
public final class ExpositionRenderer {
    private static final ExpositionFormatWriter TEXT = PrometheusTextFormatWriter.create();
    private static final ExpositionFormatWriter OPENMETRICS = OpenMetricsTextFormatWriter.create();

    private final GpuExpositionWriter gpuWriter;
    private final AgentMetrics metrics;
    private static final byte[] EOF = "# EOF\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ExpositionBuffer buffer = new ExpositionBuffer(64 * 1024);
    private final ExpositionBuffer jvmBuffer = new ExpositionBuffer(16 * 1024);
    private final Gzip gzip = new Gzip();
    /** The JVM meters written per format, for as long as they are the same reading. */
    private MetricSnapshots jvmWritten;
    private final byte[][] jvmBytes = new byte[ExpositionFormat.values().length][];

    public ExpositionRenderer(GpuExpositionWriter gpuWriter, AgentMetrics metrics) {
        this.gpuWriter = gpuWriter;
        this.metrics = metrics;
    }

    /** The snapshot's bodies, none rendered yet. */
    public Exposition exposition(NodeSnapshot snapshot) {
        return new Exposition(snapshot, this);
    }

    /** The snapshot's bodies, with every format, plain and gzipped, of the whole body rendered now. */
    public Exposition render(NodeSnapshot snapshot) {
        Exposition e = exposition(snapshot);
        for (ExpositionFormat format : ExpositionFormat.values()) {
            e.body(format, true, FamilyFilter.ALL);
        }
        return e;
    }

    /** One format of the whole body, plain. */
    public byte[] render(NodeSnapshot snapshot, ExpositionFormat format) {
        return render(snapshot, selfMetrics(FamilyFilter.ALL), format, FamilyFilter.ALL);
    }

    /** The agent's meters the filter asks for, read now, and the JVM's last reading. */
    SelfMetrics selfMetrics(FamilyFilter families) {
        return new SelfMetrics(metrics.own(families), metrics.jvm());
    }

    /** The agent's own meters and the JVM's, apart: the JVM's are written once per reading. */
    record SelfMetrics(MetricSnapshots own, MetricSnapshots jvm) {
    }

    synchronized byte[] render(NodeSnapshot snapshot, SelfMetrics self, ExpositionFormat format,
            FamilyFilter families) {
        ExpositionFormatWriter writer = format == ExpositionFormat.OPENMETRICS ? OPENMETRICS : TEXT;
        buffer.reset();
        gpuWriter.write(snapshot, format, families, buffer);
        // Each writer call allocates its own buffers (about 24 kB): none for an empty selection.
        try {
            if (self.own().size() > 0) {
                writer.write(buffer, self.own());
                buffer.dropSuffix(EOF); // OpenMetrics ends once, after the JVM's meters
            }
            MetricSnapshots jvm = families.all() ? self.jvm() : AgentMetrics.select(self.jvm(), families);
            if (families.all()) {
                buffer.append(jvmBytes(jvm, format, writer));
            } else if (jvm.size() > 0) {
                writer.write(buffer, jvm);
            } else if (format == ExpositionFormat.OPENMETRICS) {
                buffer.append(EOF);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // ExpositionBuffer does not throw
        }
        return buffer.toByteArray();
    }

    private byte[] jvmBytes(MetricSnapshots reading, ExpositionFormat format, ExpositionFormatWriter writer)
            throws IOException {
        if (reading != jvmWritten) {
            java.util.Arrays.fill(jvmBytes, null);
            jvmWritten = reading;
        }
        byte[] b = jvmBytes[format.ordinal()];
        if (b == null) {
            jvmBuffer.reset();
            writer.write(jvmBuffer, reading);
            b = jvmBytes[format.ordinal()] = jvmBuffer.toByteArray();
        }
        return b;
    }

    synchronized byte[] gzip(byte[] body) {
        return gzip.compress(body);
    }
}
