package io.gpuscale.agent.metrics;

import io.gpuscale.agent.sample.NodeSnapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/**
 * Renders the whole scrape body once per snapshot: the GPU series from {@link GpuExpositionWriter}
 * followed by the agent's own Micrometer meters, in both formats, plain and gzipped.
 *
 * <p>Called from the sampler thread only.
 */
public final class ExpositionRenderer {
    private final GpuExpositionWriter gpuWriter;
    private final PrometheusMeterRegistry registry;
    private final ExpositionBuffer buffer = new ExpositionBuffer(64 * 1024);
    private final ByteArrayOutputStream gzipBuffer = new ByteArrayOutputStream(16 * 1024);

    public ExpositionRenderer(GpuExpositionWriter gpuWriter, PrometheusMeterRegistry registry) {
        this.gpuWriter = gpuWriter;
        this.registry = registry;
    }

    public Exposition render(NodeSnapshot snapshot) {
        byte[] text = render(snapshot, ExpositionFormat.PROMETHEUS_TEXT);
        byte[] om = render(snapshot, ExpositionFormat.OPENMETRICS);
        return new Exposition(snapshot.generation(), text, gzip(text), om, gzip(om));
    }

    /** One format, plain. */
    public byte[] render(NodeSnapshot snapshot, ExpositionFormat format) {
        buffer.reset();
        gpuWriter.write(snapshot, format, buffer);
        try {
            registry.scrape(buffer, format.contentType());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // ExpositionBuffer does not throw
        }
        return buffer.toByteArray();
    }

    private byte[] gzip(byte[] body) {
        gzipBuffer.reset();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipBuffer, 8192)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gzipBuffer.toByteArray();
    }
}
