package io.gpuscale.adapter.scrape;

import java.util.Objects;

/**
 * An agent (or dcgm-exporter) to scrape.
 *
 * @param url its metrics URL, also its key
 * @param node the node it runs on when discovery knows it, else null (then the node comes from
 *     the {@code node} label of its series)
 */
public record AgentTarget(String url, String node) {
    public AgentTarget {
        Objects.requireNonNull(url, "url");
    }
}
