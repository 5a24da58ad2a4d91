package io.gpuscale.agent.http;

import io.gpuscale.agent.metrics.Exposition;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.sample.NodeSnapshot;
import io.vertx.core.buffer.Buffer;

/**
 * What requests read: the latest snapshot and its rendered scrape bodies, as buffers made once
 * per snapshot and written to every response as they are.
 */
public final class Published {
    private final NodeSnapshot snapshot;
    private final Buffer text;
    private final Buffer textGzip;
    private final Buffer openMetrics;
    private final Buffer openMetricsGzip;

    public Published(NodeSnapshot snapshot, Exposition exposition) {
        this.snapshot = snapshot;
        this.text = Buffer.buffer(exposition.text());
        this.textGzip = Buffer.buffer(exposition.textGzip());
        this.openMetrics = Buffer.buffer(exposition.openMetrics());
        this.openMetricsGzip = Buffer.buffer(exposition.openMetricsGzip());
    }

    public NodeSnapshot snapshot() {
        return snapshot;
    }

    Buffer body(ExpositionFormat format, boolean gzip) {
        if (format == ExpositionFormat.OPENMETRICS) {
            return gzip ? openMetricsGzip : openMetrics;
        }
        return gzip ? textGzip : text;
    }
}
