package io.gpuscale.adapter.scrape;

/**
 * What a parse saw.
 *
 * @param samples samples handed to the sink
 * @param skipped sample lines of names the sink did not want
 * @param malformed lines that are not the text format (skipped)
 * @param overLimit sample lines dropped by a limit: a label too long, or past the series limit
 * @param truncated true when the body was longer than the body limit: only its start was read,
 *     and the scrape should not be trusted as complete
 * @param bytes bytes read
 */
public record ParseReport(int samples, int skipped, int malformed, int overLimit, boolean truncated, long bytes) {
}
