package io.gpuscale.agent.metrics;

import io.gpuscale.agent.sample.NodeSnapshot;
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
    private final ExpositionBuffer buffer = new ExpositionBuffer(64 * 1024);
    private final Gzip gzip = new Gzip();

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

    /** The agent's meters the filter asks for ({@link AgentMetrics#collect}). */
    MetricSnapshots selfMetrics(FamilyFilter families) {
        return metrics.collect(families);
    }

    synchronized byte[] render(NodeSnapshot snapshot, MetricSnapshots self, ExpositionFormat format,
            FamilyFilter families) {
        buffer.reset();
        gpuWriter.write(snapshot, format, families, buffer);
        try {
            (format == ExpositionFormat.OPENMETRICS ? OPENMETRICS : TEXT).write(buffer, self);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // ExpositionBuffer does not throw
        }
        return buffer.toByteArray();
    }

    synchronized byte[] gzip(byte[] body) {
        return gzip.compress(body);
    }
}
