package io.gpuscale.adapter.monitoring;

import io.gpuscale.adapter.advisor.GpuLoadRefresher;
import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.auth.AuthRecorder;
import io.gpuscale.adapter.cluster.InformerStats;
import io.gpuscale.adapter.scrape.ScrapeRecorder;
import io.gpuscale.adapter.scrape.TargetHealth;
import io.gpuscale.adapter.store.AgentSnapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The adapter's own health as Micrometer meters, served on {@code --metrics-bind-address}: the
 * JVM and process binders the agent uses (memory, threads, GC, uptime, CPU time); the API servers'
 * requests ({@link #api()}); authentication and authorization ({@link #auth()}); when it scrapes
 * agents itself, how that goes ({@link #scraping()}, {@link #watchScraping}); and the cluster
 * view's informers ({@link #watchCluster}). The recorders count at the edges of a request or a
 * scrape; per-target and per-informer values are read, when Prometheus asks, from state the
 * scraper and the informers keep anyway.
 */
public final class AdapterMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
    private final ApiMeters api;
    private final AuthMeters auth;
    private ScrapeMeters scraping;

    public AdapterMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        // One CPU-time counter instead of Micrometer's ProcessorMetrics, as the agent does: that
        // binder costs each scrape more than everything else here together.
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu.time", os, o -> o.getProcessCpuTime() / 1e9)
                    .description("CPU time the adapter process has used.")
                    .baseUnit("seconds")
                    .register(registry);
        }
        new UptimeMetrics().bindTo(registry);
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        this.api = new ApiMeters(registry);
        this.auth = new AuthMeters(registry);
    }

    /** For the HTTPS servers (the metrics API, the advisor's and the scheduler extender's endpoints). */
    public ApiRecorder api() {
        return api;
    }

    /** For delegated authentication and authorization; its series exist (at 0) whatever the modes. */
    public AuthRecorder auth() {
        return auth;
    }

    /** For the agents' scraper; its series are made on the first call (there are none without scraping). */
    public synchronized ScrapeRecorder scraping() {
        if (scraping == null) {
            scraping = new ScrapeMeters(registry);
        }
        return scraping;
    }

    /**
     * Adds the cluster view's meters, per informer ({@code resource}: pods, nodes, resourcequotas):
     * list and watch requests started, failed requests, objects held, and the time of the last
     * event. Read from {@code stats} once per scrape of /metrics. Call once.
     */
    public void watchCluster(Supplier<List<InformerStats>> stats) {
        Map<String, InformerStats> latest = new java.util.concurrent.ConcurrentHashMap<>();
        stats.get().forEach(s -> latest.put(s.resource(), s));
        for (String resource : List.copyOf(latest.keySet())) {
            ToDoubleFunction<Map<String, InformerStats>> lists = m -> m.get(resource).lists();
            io.micrometer.core.instrument.FunctionCounter.builder("gpuscale.adapter.cluster.lists", latest, lists)
                    .description("List requests the cluster view's informer started: the first, and a relist each "
                            + "time a watch could not resume (an informer restart).")
                    .tag("resource", resource)
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("gpuscale.adapter.cluster.watches", latest,
                            m -> m.get(resource).watches())
                    .description("Watch requests the informer started; each ends after a server-side timeout of "
                            + "minutes, or a failure.")
                    .tag("resource", resource)
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("gpuscale.adapter.cluster.request.failures", latest,
                            m -> m.get(resource).failures())
                    .description("List and watch requests of the informer that failed.")
                    .tag("resource", resource)
                    .register(registry);
            Gauge.builder("gpuscale.adapter.cluster.objects", latest, m -> m.get(resource).objects())
                    .description("Objects the informer's cache holds.")
                    .tag("resource", resource)
                    .register(registry);
            Gauge.builder("gpuscale.adapter.cluster.last.event.timestamp", latest,
                            m -> m.get(resource).lastEventMillis() / 1000.0)
                    .description("When the informer's last add, update or delete arrived, seconds since the epoch; "
                            + "0 before the first.")
                    .baseUnit("seconds")
                    .tag("resource", resource)
                    .register(registry);
        }
        // Meters hold their object weakly; the map stays reachable through this runnable.
        beforeScrape.add(() -> stats.get().forEach(s -> latest.put(s.resource(), s)));
    }

    /**
     * Adds the placement advisor's GPU-load meters, read from {@code loads} when Prometheus asks:
     * the age of the snapshot scoring uses, whether it still counts, how many nodes it covers, and
     * the reads by outcome. Call once.
     */
    public void watchGpuLoads(GpuLoadRefresher loads) {
        Gauge.builder("gpuscale.adapter.gpu.load.age", loads, GpuLoadRefresher::snapshotAgeSeconds)
                .description("Age of the GPU-load snapshot the placement advisor scores with, from the end of its "
                        + "read; NaN before the first good read.")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("gpuscale.adapter.gpu.load.known", loads, l -> l.loadKnown() ? 1 : 0)
                .description("1 while the advisor's GPU-load snapshot is young enough to count in scoring, 0 while "
                        + "nodes are scored without load (\"GPU load unknown\").")
                .register(registry);
        Gauge.builder("gpuscale.adapter.gpu.load.nodes", loads, GpuLoadRefresher::nodesWithLoad)
                .description("Nodes the advisor's last good GPU-load snapshot has a load for.")
                .register(registry);
        FunctionCounter.builder("gpuscale.adapter.gpu.load.reads", loads, GpuLoadRefresher::successes)
                .description("GPU-load reads of the placement advisor, by outcome.")
                .tag("outcome", "success")
                .register(registry);
        FunctionCounter.builder("gpuscale.adapter.gpu.load.reads", loads, GpuLoadRefresher::failures)
                .description("GPU-load reads of the placement advisor, by outcome.")
                .tag("outcome", "failure")
                .register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Adds the scraping meters: per target {@code gpuscale_adapter_target_up} and
     * {@code gpuscale_adapter_target_last_success_timestamp_seconds} (labels {@code target}, the URL,
     * and {@code node}, empty when discovery does not say), {@code gpuscale_adapter_scrape_targets},
     * {@code gpuscale_adapter_reading_age_seconds} (the newest reading's age; +Inf when there is
     * none) and {@code gpuscale_adapter_max_age_seconds} ({@code --max-age}: older readings are not
     * served). Call once.
     *
     * @param health each current target's scrape health ({@code AgentScraper::health})
     * @param snapshots every target's last snapshot ({@code MetricStore::snapshots})
     * @param maxAge {@code --max-age}
     * @param clock for the readings' age
     */
    // Gauges hold their state weakly unless told otherwise: the suppliers here are method
    // references nothing else keeps, so they are held strongly (a collected one reads NaN).
    public void watchScraping(Supplier<Map<String, TargetHealth>> health,
            Supplier<? extends Collection<AgentSnapshot>> snapshots, Duration maxAge, Clock clock) {
        MultiGauge up = MultiGauge.builder("gpuscale.adapter.target.up")
                .description("1 when the last scrape of this agent succeeded, 0 when it failed or none has finished.")
                .register(registry);
        MultiGauge lastSuccess = MultiGauge.builder("gpuscale.adapter.target.last.success.timestamp")
                .description("When the last successful scrape of this agent arrived, seconds since the epoch; 0 "
                        + "before the first.")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("gpuscale.adapter.scrape.targets", health, h -> h.get().size())
                .description("Agents the adapter scrapes now (--agents, or the ready endpoints of --agent-service).")
                .strongReference(true)
                .register(registry);
        Gauge.builder("gpuscale.adapter.reading.age", snapshots, s -> newestReadingAge(s.get(), clock))
                .description("Age of the newest GPU reading the adapter holds, seconds; +Inf when it holds none. "
                        + "Above gpuscale_adapter_max_age_seconds nothing is served as current.")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
        Gauge.builder("gpuscale.adapter.max.age", maxAge, d -> d.toMillis() / 1000.0)
                .description("--max-age: readings older than this are not served as current.")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
        java.util.concurrent.atomic.AtomicLong largestBody = new java.util.concurrent.atomic.AtomicLong();
        Gauge.builder("gpuscale.adapter.scrape.largest.body", largestBody, java.util.concurrent.atomic.AtomicLong::get)
                .description("The largest body among the agents' last successful scrapes (one number instead of a "
                        + "series per agent).")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        beforeScrape.add(() -> {
            Collection<TargetHealth> targets = health.get().values();
            long largest = 0;
            List<MultiGauge.Row<?>> upRows = new ArrayList<>(targets.size());
            List<MultiGauge.Row<?>> successRows = new ArrayList<>(targets.size());
            for (TargetHealth t : targets) {
                Tags tags = Tags.of("target", t.url(), "node", t.node() == null ? "" : t.node());
                upRows.add(MultiGauge.Row.of(tags, up(t) ? 1 : 0));
                successRows.add(MultiGauge.Row.of(tags, t.lastSuccessMillis() / 1000.0));
                if (t.lastReport() != null) {
                    largest = Math.max(largest, t.lastReport().bytes());
                }
            }
            largestBody.set(largest);
            up.register(upRows, true);
            lastSuccess.register(successRows, true);
        });
    }

    /** Whether the target's last finished scrape succeeded. */
    static boolean up(TargetHealth t) {
        return t.lastSuccessMillis() > 0 && t.consecutiveFailures() == 0;
    }

    static double newestReadingAge(Collection<AgentSnapshot> snapshots, Clock clock) {
        long newest = Long.MIN_VALUE;
        for (AgentSnapshot s : snapshots) {
            newest = Math.max(newest, s.timestampMillis());
        }
        return newest == Long.MIN_VALUE ? Double.POSITIVE_INFINITY
                : Math.max(0, clock.millis() - newest) / 1000.0;
    }

    /** The exposition in the Prometheus text format 0.0.4, the per-target rows brought up to date first. */
    public String scrape() {
        beforeScrape.forEach(Runnable::run);
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
