package io.gpuscale.adapter.scrape;

/**
 * What one scrape may cost, so a broken or hostile target cannot exhaust the adapter.
 *
 * @param maxBodyBytes the largest body read (after decompression); a longer one fails the scrape
 * @param maxSeries the most samples kept from one scrape; later ones are dropped and counted
 * @param maxLabelLength the longest label name or value, in bytes; a line with a longer one is
 *     dropped and counted
 */
public record ScrapeLimits(int maxBodyBytes, int maxSeries, int maxLabelLength) {
    /**
     * 16 MiB of text is ~75 000 series of ~215 bytes: far above an agent (a 8-GPU node serves
     * ~60 KB) and above dcgm-exporter on large nodes with many pods.
     */
    public static final ScrapeLimits DEFAULTS = new ScrapeLimits(16 << 20, 50_000, 2048);

    public ScrapeLimits {
        if (maxBodyBytes <= 0 || maxSeries <= 0 || maxLabelLength <= 0) {
            throw new IllegalArgumentException("scrape limits must be positive: " + maxBodyBytes + ", "
                    + maxSeries + ", " + maxLabelLength);
        }
    }
}
