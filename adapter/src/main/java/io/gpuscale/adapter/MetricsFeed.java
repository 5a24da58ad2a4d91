package io.gpuscale.adapter;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.prometheus.PrometheusMetrics;
import io.gpuscale.adapter.scrape.AgentScraper;
import io.gpuscale.adapter.scrape.AgentTarget;
import io.gpuscale.adapter.scrape.AgentTargets;
import io.gpuscale.adapter.scrape.EndpointSliceTargets;
import io.gpuscale.adapter.scrape.ScrapeLimits;
import io.gpuscale.adapter.scrape.ScrapeOptions;
import io.gpuscale.adapter.scrape.ScrapeRecorder;
import io.gpuscale.adapter.scrape.ScrapedFamilies;
import io.gpuscale.adapter.scrape.StaticAgentTargets;
import io.gpuscale.adapter.store.MetricStore;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where readings come from, whether reading them may block, and what to close at the end.
 *
 * @param metrics what the API reads
 * @param blocking whether a read may block on the network (the Prometheus backend)
 * @param owned scrapers and clients to close after the server stops
 * @param scraper the agents' scraper, for the adapter's own metrics; null when reading a Prometheus
 * @param store what the scraper fills; null when reading a Prometheus
 */
record MetricsFeed(GpuMetrics metrics, boolean blocking, List<AutoCloseable> owned, AgentScraper scraper,
        MetricStore store) {

    /** The readings a configuration names, with whatever feeds them started, telling {@code recorder} about scrapes. */
    static MetricsFeed start(AdapterConfig config, ScrapeRecorder recorder) {
        if (config.metrics() instanceof AdapterConfig.Prometheus prometheus) {
            // Every read is an HTTP query: the API runs it on worker threads (blocking = true).
            return new MetricsFeed(new PrometheusMetrics(prometheus.url().toString(), prometheus.timeout()), true,
                    List.of(), null, null);
        }
        AgentTargets targets;
        if (config.metrics() instanceof AdapterConfig.StaticAgents agents) {
            List<AgentTarget> list = new ArrayList<>();
            agents.urls().forEach(u -> list.add(new AgentTarget(u.toString(), null)));
            targets = new StaticAgentTargets(list);
        } else {
            AdapterConfig.AgentService service = (AdapterConfig.AgentService) config.metrics();
            targets = new EndpointSliceTargets(Flags.apiClient(config.cluster(), "--agent-service"), service.namespace(),
                    service.name(), "metrics");
        }
        MetricStore store = new MetricStore();
        // One scraping lane per core the JVM sees, at most 4 (each lane keeps its own string tables,
        // and 4 cores scrape far more agents than one replica should): bodies are parsed in parallel.
        int lanes = Math.min(4, Runtime.getRuntime().availableProcessors());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(lanes).setWorkerPoolSize(1));
        Duration timeout = config.scrapeInterval().multipliedBy(3).dividedBy(4);
        AgentScraper scraper = new AgentScraper(vertx, targets, store,
                new ScrapeOptions(config.scrapeInterval(), timeout, ScrapeLimits.DEFAULTS, config.agentCaFile(),
                        config.agentWatch()),
                ScrapedFamilies.all(), lanes, recorder);
        targets.start();
        scraper.start();
        AutoCloseable stopVertx = () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new MetricsFeed(store, false, List.of(scraper, targets, stopVertx), scraper, store);
    }
}
