package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.scrape.ScrapedFamilies;
import io.gpuscale.adapter.scrape.AgentScraper;
import io.gpuscale.adapter.scrape.AgentTarget;
import io.gpuscale.adapter.scrape.ScrapeLimits;
import io.gpuscale.adapter.scrape.ScrapeOptions;
import io.gpuscale.adapter.scrape.StaticAgentTargets;
import io.gpuscale.adapter.scrape.TargetHealth;
import io.gpuscale.adapter.store.AgentSnapshot;
import io.gpuscale.adapter.store.MetricStore;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * The adapter's scraping at fleet size: the real {@link AgentScraper} and {@link MetricStore},
 * configured as {@code serve} configures them (one lane per available core, the families the
 * store keeps, timeout 3/4 of the interval), against a {@link FleetServer} of N stand-in agents on
 * loopback addresses. Run the two in separate JVMs pinned to separate cores
 * ({@code bench/load/fleet-scrape.sh}), so this process's CPU is the adapter's.
 *
 * <p>After a warm-up it measures, over a window: CPU (process CPU time over wall time, in cores),
 * scrapes per second, failures and timeouts per minute, phases skipped, the age of the data in the
 * store (now minus each target's sample time, every 500 ms over every target: what a query at a
 * random instant would serve, before the API's response cache) and the longest any target went
 * without a successful scrape; then the live heap after a full GC.
 *
 * <p>Usage: {@code FleetScrapeRun --agents 5000 --port 29400 [--interval 2s] [--warmup 30]
 * [--seconds 60] [--filter true] [--lanes CORES]}
 */
public final class FleetScrapeRun {
    private FleetScrapeRun() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        int agents = Integer.parseInt(a.getOrDefault("agents", "5000"));
        int port = Integer.parseInt(a.getOrDefault("port", "29400"));
        Duration interval = Duration.ofMillis(Long.parseLong(a.getOrDefault("interval-ms", "2000")));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "30"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "60"));
        boolean filter = Boolean.parseBoolean(a.getOrDefault("filter", "true"));
        int lanes = Integer.parseInt(a.getOrDefault("lanes", String.valueOf(Runtime.getRuntime().availableProcessors())));

        List<AgentTarget> targets = new ArrayList<>(agents);
        for (int i = 0; i < agents; i++) {
            targets.add(new AgentTarget("http://" + FleetServer.address(i) + ":" + port + "/metrics", FleetServer.node(i)));
        }
        MetricStore store = new MetricStore();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(lanes).setWorkerPoolSize(1));
        Set<String> families = filter ? ScrapedFamilies.all() : Set.of();
        AgentScraper scraper = new AgentScraper(vertx, new StaticAgentTargets(targets), store,
                new ScrapeOptions(interval, interval.multipliedBy(3).dividedBy(4), ScrapeLimits.DEFAULTS), families, lanes);
        System.out.printf(Locale.ROOT, "fleet scrape: %d agents every %d ms, %d lanes, filter %s, %s, heap max %d MiB,"
                + " load %s%n", agents, interval.toMillis(), lanes, filter, Runtime.version(),
                Runtime.getRuntime().maxMemory() >> 20, Args.loadAverage());
        scraper.start();

        long warmEnd = System.currentTimeMillis() + warmup * 1000L;
        while (System.currentTimeMillis() < warmEnd) {
            Thread.sleep(500);
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Totals before = Totals.of(scraper.health().values());
        long gcBefore = gcMillis();
        long cpuBefore = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Histogram age = new Histogram(3_600_000L, 3);
        long longestGap = 0;
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < end) {
            Thread.sleep(500);
            long now = System.currentTimeMillis();
            for (AgentSnapshot s : store.snapshots()) {
                age.recordValue(Math.max(0, Math.min(3_600_000L, now - s.timestampMillis())));
            }
            for (TargetHealth h : scraper.health().values()) {
                if (h.lastSuccessMillis() > 0) {
                    longestGap = Math.max(longestGap, now - h.lastSuccessMillis());
                }
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cores = (os.getProcessCpuTime() - cpuBefore) / 1e9 / wall;
        long gc = gcMillis() - gcBefore;
        Totals after = Totals.of(scraper.health().values());
        int withData = store.snapshots().size();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        double liveMiB = memory.getHeapMemoryUsage().getUsed() / 1048576.0;
        Map<String, Long> errors = new java.util.TreeMap<>();
        for (TargetHealth h : scraper.health().values()) {
            if (h.lastError() != null) {
                errors.merge(h.lastError().replaceAll("[0-9]+", "N"), 1L, Long::sum);
            }
        }
        scraper.close();
        vertx.close().await();

        double perMinute = 60 / wall;
        System.out.printf(Locale.ROOT, "cpu %.3f cores | scrapes %.0f/s (expected %.0f/s when polling) | failures %.0f/min,"
                + " failing by timeout at the end %d | skipped %d | targets with data %d/%d | GC %.1f%% of wall%n",
                cores, (after.scrapes - before.scrapes) / wall, agents * 1000.0 / interval.toMillis(),
                (after.failures - before.failures) * perMinute, after.timeouts,
                after.skipped - before.skipped, withData, agents, 100.0 * gc / 1000 / wall);
        System.out.printf(Locale.ROOT, "data age ms: p50 %d p90 %d p99 %d max %d | longest without a successful scrape %d ms%n",
                age.getValueAtPercentile(50), age.getValueAtPercentile(90), age.getValueAtPercentile(99),
                age.getMaxValue(), longestGap);
        System.out.println("last errors (targets): " + errors);
        System.out.printf(Locale.ROOT, "live heap after GC, scraping (store, connections, tables): %.1f MiB | load %s%n",
                liveMiB, Args.loadAverage());
        if (store.snapshots().isEmpty()) {
            throw new IllegalStateException("nothing was scraped");
        }
        System.exit(0);
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** Sums over targets; timeouts: targets whose current failure streak is a timeout. */
    private record Totals(long scrapes, long failures, long timeouts, long skipped) {
        static Totals of(Iterable<TargetHealth> health) {
            long scrapes = 0;
            long failures = 0;
            long timeouts = 0;
            long skipped = 0;
            for (TargetHealth h : health) {
                scrapes += h.scrapes();
                failures += h.failures();
                skipped += h.skipped();
                if (h.consecutiveFailures() > 0 && h.lastError() != null && h.lastError().startsWith("no complete answer")) {
                    timeouts++;
                }
            }
            return new Totals(scrapes, failures, timeouts, skipped);
        }
    }
}
