package io.gpuscale.bench.adapter;

import com.sun.jna.NativeLibrary;
import io.gpuscale.adapter.scrape.ScrapedFamilies;
import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.scrape.AgentScraper;
import io.gpuscale.adapter.scrape.AgentTarget;
import io.gpuscale.adapter.scrape.ScrapeLimits;
import io.gpuscale.adapter.scrape.ScrapeOptions;
import io.gpuscale.adapter.scrape.StaticAgentTargets;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.bench.nvml.FakeNvml;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * Freshness through the whole chain: a GPU's utilization changes in the NVML test library (the
 * gcc-built {@code libnvidia-ml.so.1} stand-in, called through JNA as the real driver is) → the real
 * agent samples it ({@code --source nvml}) → the adapter's real {@link AgentScraper}, set up as
 * {@code serve} sets it up (families filter, watch) → {@link MetricsApi} answers
 * {@code nodes/NODE/nvidia_gpu_utilization_percent} (custom metrics v1beta2), polled every
 * {@code --poll-ms}.
 *
 * <p>Each step flips GPU 0 between 5 % and 95 % at a random instant (uniform over the agent's
 * sampling interval), and times the flip to the first answer showing the new level. The API
 * server's response cache (250 ms, in front of {@code MetricsApi}) is not in this path: add up to
 * its TTL for a client that asks through the server.
 *
 * <p>Usage: {@code FreshnessChainRun [--agent-ms 1000] [--scrape-ms 2000] [--steps 40] [--poll-ms 5] [--watch true]}
 */
public final class FreshnessChainRun {
    private static final String NODE = "chain-node";
    private static final String PATH = "/apis/custom.metrics.k8s.io/v1beta2/nodes/" + NODE + "/nvidia_gpu_utilization_percent";

    private FreshnessChainRun() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        long agentMillis = Long.parseLong(a.getOrDefault("agent-ms", "1000"));
        long scrapeMillis = Long.parseLong(a.getOrDefault("scrape-ms", "2000"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "40"));
        long pollMillis = Long.parseLong(a.getOrDefault("poll-ms", "5"));
        boolean filter = Boolean.parseBoolean(a.getOrDefault("filter", "true"));
        String library = FakeNvml.path();
        FakeNvml.reset(library, 1);
        NativeLibrary nvml = NativeLibrary.getInstance(library);
        setUtilization(nvml, 5);

        System.out.printf(Locale.ROOT, "freshness chain: NVML test library -> agent (every %d ms) -> adapter scraper"
                + " (interval %d ms, filter %s) -> custom metrics API; %d steps, poll %d ms, %s, load %s%n",
                agentMillis, scrapeMillis, filter, steps, pollMillis, Runtime.version(), Args.loadAverage());
        Agent agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("nvml"), NODE,
                Duration.ofMillis(agentMillis), library));
        int lanes = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(lanes).setWorkerPoolSize(1));
        MetricStore store = new MetricStore();
        Duration interval = Duration.ofMillis(scrapeMillis);
        AgentScraper scraper = new AgentScraper(vertx, new StaticAgentTargets(List.of(
                new AgentTarget("http://127.0.0.1:" + agent.port() + "/metrics", NODE))), store,
                new ScrapeOptions(interval, interval.multipliedBy(3).dividedBy(4), ScrapeLimits.DEFAULTS),
                filter ? ScrapedFamilies.all() : java.util.Set.of(), lanes);
        MetricsApi api = new MetricsApi(store, SnapshotClusterView.parse(Path.of("chain.yaml"),
                "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Node\n    metadata:\n      name: "
                        + NODE + "\n"), ApiOptions.defaults());
        try {
            scraper.start();
            long deadline = System.currentTimeMillis() + 60_000;
            while (!Double.valueOf(5).equals(value(api, PATH))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the API never showed the first reading");
                }
                Thread.sleep(pollMillis);
            }
            // Warm-up: ten flips not measured, so the JIT has compiled the path.
            Histogram delays = new Histogram(600_000L, 3);
            Random random = new Random(42);
            int level = 5;
            for (int step = -10; step < steps; step++) {
                Thread.sleep(agentMillis + (long) (random.nextDouble() * agentMillis));
                level = level == 5 ? 95 : 5;
                long flipped = System.nanoTime();
                setUtilization(nvml, level);
                long limit = flipped + Duration.ofSeconds(30).toNanos();
                while (!Double.valueOf(level).equals(value(api, PATH))) {
                    if (System.nanoTime() > limit) {
                        throw new IllegalStateException("step " + step + ": " + level + " % not shown within 30 s");
                    }
                    Thread.sleep(pollMillis);
                }
                long delay = (System.nanoTime() - flipped) / 1_000_000;
                if (step >= 0) {
                    delays.recordValue(delay);
                }
            }
            System.out.printf(Locale.ROOT, "delay from NVML to API over %d steps: min %d, p50 %d, p90 %d, p99 %d, max %d ms;"
                    + " load %s%n", delays.getTotalCount(), delays.getMinValue(), delays.getValueAtPercentile(50),
                    delays.getValueAtPercentile(90), delays.getValueAtPercentile(99), delays.getMaxValue(),
                    Args.loadAverage());
        } finally {
            scraper.close();
            vertx.close().await();
            agent.close();
        }
        System.exit(0);
    }

    private static void setUtilization(NativeLibrary nvml, int percent) {
        int rc = nvml.getFunction("fakenvml_set").invokeInt(new Object[] {0, "utilization_gpu", (long) percent});
        if (rc != 0) {
            throw new IllegalStateException("fakenvml_set failed: " + rc);
        }
    }

    /** The value the API answers for {@code path} (its first item), or null when it answers none. */
    static Double value(MetricsApi api, String path) {
        ApiResponse r = api.handle("GET", path, null, Instant.now());
        if (r.code() != 200) {
            return null;
        }
        String json = r.body().render();
        int at = json.indexOf("\"value\":\"");
        if (at < 0) {
            return null;
        }
        int from = at + 9;
        String q = json.substring(from, json.indexOf('"', from));
        return q.endsWith("m") ? Double.parseDouble(q.substring(0, q.length() - 1)) / 1000 : Double.parseDouble(q);
    }
}
