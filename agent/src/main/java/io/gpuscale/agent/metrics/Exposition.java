package io.gpuscale.agent.metrics;

/**
 * One rendered scrape body in both formats, plain and gzipped, for one snapshot generation.
 * Scrapes serve these bytes as they are.
 *
 * @param generation the snapshot generation it was rendered from
 */
public record Exposition(long generation, byte[] text, byte[] textGzip, byte[] openMetrics, byte[] openMetricsGzip) {

    public byte[] body(ExpositionFormat format, boolean gzip) {
        if (format == ExpositionFormat.OPENMETRICS) {
            return gzip ? openMetricsGzip : openMetrics;
        }
        return gzip ? textGzip : text;
    }
}
