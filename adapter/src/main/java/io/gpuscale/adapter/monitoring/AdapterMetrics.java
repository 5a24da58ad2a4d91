package io.gpuscale.adapter.monitoring;

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
import java.util.function.Supplier;

/**
 * The adapter's own health as Micrometer meters, served on {@code --metrics-bind-address}: the
 * JVM and process binders the agent uses (memory, threads, GC, uptime, CPU time) and, when it
 * scrapes agents itself, how that goes ({@link #watchScraping}). Every value is read from state the
 * scraper and the store keep anyway, when Prometheus asks: nothing is counted on the request path.
 */
public final class AdapterMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private volatile Runnable beforeScrape = () -> { };

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
        beforeScrape = () -> {
            Collection<TargetHealth> targets = health.get().values();
            List<MultiGauge.Row<?>> upRows = new ArrayList<>(targets.size());
            List<MultiGauge.Row<?>> successRows = new ArrayList<>(targets.size());
            for (TargetHealth t : targets) {
                Tags tags = Tags.of("target", t.url(), "node", t.node() == null ? "" : t.node());
                upRows.add(MultiGauge.Row.of(tags, up(t) ? 1 : 0));
                successRows.add(MultiGauge.Row.of(tags, t.lastSuccessMillis() / 1000.0));
            }
            up.register(upRows, true);
            lastSuccess.register(successRows, true);
        };
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
        beforeScrape.run();
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
