package io.gpuscale.adapter.scrape;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the agents are scraped.
 *
 * @param interval time between the starts of two scrapes of a target ({@code --scrape-interval})
 * @param timeout the most a scrape may take, connecting included ({@code --scrape-timeout}); a
 *     target still answering when its next scrape is due is skipped that round, never scraped twice
 * @param limits what one scrape may cost
 * @param agentCaFile the CA bundle (PEM) that {@code https://} agents' certificates are verified
 *     against ({@code --agent-ca-file}); null for the JVM's default trust store. The host name is
 *     verified too: an agent's certificate must name the address it is scraped at
 * @param watch whether agents that name their sample time are watched (asked to hold each request
 *     until their next sample: one request per sample, the freshest readings) or, when false, polled
 *     once per interval like any other target ({@code --agent-watch})
 */
public record ScrapeOptions(Duration interval, Duration timeout, ScrapeLimits limits, Path agentCaFile,
        boolean watch) {
    public static final ScrapeOptions DEFAULTS =
            new ScrapeOptions(Duration.ofSeconds(2), Duration.ofMillis(1500), ScrapeLimits.DEFAULTS);

    /** Agents over http, or https trusted by the JVM's default trust store. */
    public ScrapeOptions(Duration interval, Duration timeout, ScrapeLimits limits) {
        this(interval, timeout, limits, null, true);
    }

    /** Agents watched where they can be. */
    public ScrapeOptions(Duration interval, Duration timeout, ScrapeLimits limits, Path agentCaFile) {
        this(interval, timeout, limits, agentCaFile, true);
    }

    public ScrapeOptions {
        Objects.requireNonNull(limits, "limits");
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("--scrape-interval must be at least 1ms: " + interval);
        }
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("--scrape-timeout must be at least 1ms: " + timeout);
        }
    }
}
