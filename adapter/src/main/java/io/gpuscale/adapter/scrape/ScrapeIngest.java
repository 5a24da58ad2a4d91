package io.gpuscale.adapter.scrape;

import java.util.Set;

/** Where scrapes go: the scraper's one view of the store. */
public interface ScrapeIngest {

    /**
     * Starts taking one scrape of a target; its samples take effect together on
     * {@link ScrapeBatch#commit()}, replacing that target's previous scrape.
     *
     * @param target the target's key (its URL)
     * @param node the target's node when discovery knows it, else null (learned from the series)
     * @param receivedAtMillis when the body arrived, for samples with no better timestamp
     */
    ScrapeBatch begin(String target, String node, long receivedAtMillis);

    /** Forgets every target not in {@code targets}: they left discovery. */
    void retainTargets(Set<String> targets);

    /** The samples of one scrape. A batch that is never committed changes nothing. */
    interface ScrapeBatch extends SampleSink {
        void commit();
    }
}
