package io.gpuscale.adapter.scrape;

/**
 * How scraping one target goes.
 *
 * @param url the target
 * @param node its node, when discovery says
 * @param scrapes scrapes completed, successful or not
 * @param failures failed scrapes (refused, timed out, not 200, body too large)
 * @param consecutiveFailures failures since the last success
 * @param skipped scrapes not started because the previous one was still running
 * @param lastError why the last failure failed, or null
 * @param lastSuccessMillis when the last successful scrape arrived (epoch ms), or 0
 * @param lastReport what the parser saw in the last successful scrape, or null
 */
public record TargetHealth(String url, String node, long scrapes, long failures, long consecutiveFailures, long skipped,
        String lastError, long lastSuccessMillis, ParseReport lastReport, long rejected) {
}
