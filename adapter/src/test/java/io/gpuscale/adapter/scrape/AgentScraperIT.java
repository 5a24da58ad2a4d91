package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.store.AgentSnapshot;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.agent.Agent;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.LogCapture;
import io.gpuscale.agent.AgentConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scraper against a real agent on simulated GPUs, and stand-ins that fail in the ways agents do. */
class AgentScraperIT {
    private static Agent agent;
    private static String agentUrl;

    private Vertx vertx;
    private ExpositionServer standIn;
    private final MetricStore store = new MetricStore();
    private AgentScraper scraper;

    @BeforeAll
    static void startAgent() throws Exception {
        // One sample an hour: every scrape sees the same sample, so its time can be checked exactly.
        agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090,rtx3060"), "mainpc",
                Duration.ofHours(1), AgentConfig.DEFAULT_NVML_LIBRARY));
        agentUrl = "http://127.0.0.1:" + agent.port() + "/metrics";
        Eventually.await(Duration.ofSeconds(30), "the agent's first sample", () -> agent.snapshot().gpus().size() == 2);
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        standIn = new ExpositionServer();
    }

    @AfterEach
    void stop() {
        if (scraper != null) {
            scraper.close();
        }
        standIn.close();
        vertx.close().await();
    }

    private AgentScraper scraper(AgentTargets targets, Duration interval, Duration timeout) {
        scraper = new AgentScraper(vertx, targets, store, new ScrapeOptions(interval, timeout, ScrapeLimits.DEFAULTS));
        return scraper;
    }

    private static void await(Future<?> f) throws Exception {
        f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void theAgentsReadingsArriveWithItsOwnSampleTime() throws Exception {
        await(scraper(new StaticAgentTargets(List.of(new AgentTarget(agentUrl, null))), Duration.ofSeconds(2),
                Duration.ofSeconds(30)).scrapeOnce());

        long sampledAt = agent.snapshot().timestampMillis();
        AgentSnapshot snapshot = store.snapshot(agentUrl).orElseThrow();
        assertThat(snapshot.node()).isEqualTo("mainpc");
        assertThat(snapshot.timestampMillis()).isEqualTo(sampledAt);
        assertThat(scraper.health().get(agentUrl).lastSuccessMillis()).isGreaterThan(sampledAt);
        List<Reading> util = store.node("nvidia_gpu_utilization_percent", "mainpc");
        assertThat(util).hasSize(2).allSatisfy(r -> assertThat(r.timestampMillis()).isEqualTo(sampledAt));
        List<GpuReading> gpus = store.gpus("nvidia_gpu_memory_used_bytes");
        assertThat(gpus).extracting(g -> g.labels().get("model"))
                .containsExactly("NVIDIA-GeForce-RTX-4090", "NVIDIA-GeForce-RTX-3060");
        assertThat(scraper.health().get(agentUrl).lastReport().malformed()).isZero();
    }

    @Test
    void podsOfTheSimulatedNodeAreIndexedByNamespaceAndName() throws Exception {
        await(scraper(new StaticAgentTargets(List.of(new AgentTarget(agentUrl, "mainpc"))), Duration.ofSeconds(2),
                Duration.ofSeconds(30)).scrapeOnce());

        String body = fetch(agentUrl);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "nvidia_gpu_pod_utilization_percent\\{[^}]*namespace=\"([^\"]+)\",pod=\"([^\"]+)\"[^}]*} ([0-9.]+)").matcher(body);
        int pods = 0;
        while (m.find()) {
            pods++;
            assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "mainpc", m.group(1), m.group(2)))
                    .extracting(Reading::value).contains(Double.parseDouble(m.group(3)));
        }
        assertThat(pods).isPositive();
    }

    @Test
    void aDeadAndAStalledTargetDoNotHoldUpTheLiveOne() throws Exception {
        String dead = "http://127.0.0.1:" + closedPort() + "/metrics";
        standIn.stall = true;
        scraper(new StaticAgentTargets(List.of(new AgentTarget(dead, null), new AgentTarget(standIn.url(), "n-slow"),
                new AgentTarget(agentUrl, "mainpc"))), Duration.ofSeconds(10), Duration.ofSeconds(3));
        LogCapture log = LogCapture.open();
        Future<Void> round = scraper.scrapeOnce();

        // The agent's data is in while the stalled scrape is still waiting for its answer.
        Eventually.await(Duration.ofSeconds(30), "the live agent's data", () -> store.snapshot(agentUrl).isPresent());
        Eventually.await(Duration.ofSeconds(30), "the stalled request to reach the stand-in", () -> standIn.open.get() == 1);
        assertThat(round.isComplete()).isFalse();

        await(round);
        TargetHealth slow = scraper.health().get(standIn.url());
        assertThat(slow.failures()).isEqualTo(1);
        assertThat(slow.lastError()).isEqualTo("no complete answer within 3s");
        TargetHealth refused = scraper.health().get(dead);
        assertThat(refused.failures()).isEqualTo(1);
        assertThat(refused.lastError()).containsIgnoringCase("refused");
        log.close();
        assertThat(log.aboveInfo()).as("one line per failing target, named by what is known of it")
                .anySatisfy(l -> assertThat(l).contains("scraping an agent failed, keeping its last data target=" + dead
                        + " reason=").doesNotContain("node=").doesNotContain("null"))
                .anySatisfy(l -> assertThat(l).contains("scraping an agent failed, keeping its last data target="
                        + standIn.url() + " node=n-slow reason=").contains("within 3s"));
        assertThat(scraper.health().get(agentUrl).failures()).isZero();
        assertThat(store.snapshot(standIn.url())).isEmpty();
        Eventually.await(Duration.ofSeconds(30), "the stalled connection to be closed", () -> standIn.open.get() == 0);
    }

    @Test
    void aTargetIsNeverScrapedTwiceAtOnce() {
        standIn.stall = true;
        scraper(new StaticAgentTargets(List.of(new AgentTarget(standIn.url(), "n"))), Duration.ofMillis(50),
                Duration.ofMillis(400)).start();

        Eventually.await(Duration.ofSeconds(20), "rounds skipped and scrapes timed out",
                () -> scraper.health().get(standIn.url()) != null && scraper.health().get(standIn.url()).skipped() >= 5
                        && scraper.health().get(standIn.url()).failures() >= 3);
        assertThat(standIn.maxOpen.get()).isEqualTo(1);
        assertThat(scraper.health().get(standIn.url()).consecutiveFailures()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aFailingTargetKeepsItsLastDataAndIsCounted() throws Exception {
        standIn.body = "nvidia_gpu_utilization_percent{node=\"n1\",gpu=\"0\",uuid=\"GPU-a\"} 42\n";
        scraper(new StaticAgentTargets(List.of(new AgentTarget(standIn.url(), null))), Duration.ofSeconds(10),
                Duration.ofSeconds(30));
        await(scraper.scrapeOnce());
        standIn.status = 500;
        standIn.body = "nvidia_gpu_utilization_percent{node=\"n1\",gpu=\"0\",uuid=\"GPU-a\"} 99\n";
        await(scraper.scrapeOnce());

        assertThat(store.node("nvidia_gpu_utilization_percent", "n1")).extracting(Reading::value).containsExactly(42.0);
        TargetHealth health = scraper.health().get(standIn.url());
        assertThat(health.scrapes()).isEqualTo(2);
        assertThat(health.failures()).isEqualTo(1);
        assertThat(health.lastError()).isEqualTo("HTTP 500");
    }

    @Test
    void valuesOutOfTheirMetricsRangeAreDroppedCountedAndLoggedOnce() throws Exception {
        String labels = "node=\"n1\",gpu=\"0\",uuid=\"GPU-a\"";
        String pod = labels + ",namespace=\"ml\",pod=\"p\",container=\"c\"";
        standIn.body = "nvidia_gpu_utilization_percent{" + labels + "} 250\n"
                + "nvidia_gpu_memory_used_bytes{" + labels + "} -1024\n"
                + "nvidia_gpu_pod_memory_used_bytes{" + pod + "} 1e308\n"
                + "nvidia_gpu_pod_utilization_percent{" + pod + "} NaN\n"
                + "nvidia_gpu_power_usage_watts{" + labels + "} +Inf\n"
                + "nvidia_gpu_temperature_celsius{" + labels + "} 61\n";
        scraper(new StaticAgentTargets(List.of(new AgentTarget(standIn.url(), null))), Duration.ofSeconds(10),
                Duration.ofSeconds(30));
        try (LogCapture log = LogCapture.open()) {
            await(scraper.scrapeOnce());
            await(scraper.scrapeOnce());
            await(scraper.scrapeOnce());
            assertThat(log.aboveInfo()).singleElement().asString()
                    .contains("an agent served samples out of their metric's range")
                    .contains("target=" + standIn.url() + " samples=5 first=")
                    .contains("nvidia_gpu_utilization_percent 250.0 (valid: 0 to 100)");
        }

        assertThat(store.node("nvidia_gpu_temperature_celsius", "n1")).extracting(Reading::value).containsExactly(61.0);
        for (String name : List.of("nvidia_gpu_utilization_percent", "nvidia_gpu_memory_used_bytes",
                "nvidia_gpu_power_usage_watts")) {
            assertThat(store.node(name, "n1")).as(name).isEmpty();
        }
        assertThat(store.pod("nvidia_gpu_pod_memory_used_bytes", "n1", "ml", "p")).isEmpty();
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "ml", "p")).isEmpty();
        assertThat(scraper.health().get(standIn.url()).rejected()).isEqualTo(15);
    }

    @Test
    void asksForTheTextFormatAcceptsGzipAndReadsGzippedBodies() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            body.append("nvidia_gpu_utilization_percent{node=\"n1\",gpu=\"").append(i).append("\",uuid=\"GPU-").append(i)
                    .append("\"} ").append(i % 100).append('\n');
        }
        standIn.body = body.toString();
        await(scraper(new StaticAgentTargets(List.of(new AgentTarget(standIn.url(), null))), Duration.ofSeconds(10),
                Duration.ofSeconds(30)).scrapeOnce());

        assertThat(standIn.lastAccept).startsWith("text/plain;version=0.0.4");
        assertThat(standIn.lastAcceptEncoding).contains("gzip");
        assertThat(store.node("nvidia_gpu_utilization_percent", "n1")).hasSize(300);
    }

    @Test
    void aBodyOverTheLimitFailsTheScrape() throws Exception {
        standIn.body = "nvidia_gpu_utilization_percent{node=\"n1\",gpu=\"0\",uuid=\"GPU-a\"} 42\n".repeat(100);
        scraper = new AgentScraper(vertx, new StaticAgentTargets(List.of(new AgentTarget(standIn.url(), null))), store,
                new ScrapeOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), new ScrapeLimits(1000, 100, 100)));
        await(scraper.scrapeOnce());

        assertThat(scraper.health().get(standIn.url()).lastError()).contains("over the limit");
        assertThat(store.snapshots()).isEmpty();
    }

    @Test
    void targetsThatLeaveDiscoveryLeaveTheStore() throws Exception {
        standIn.body = "nvidia_gpu_utilization_percent{node=\"n1\",gpu=\"0\",uuid=\"GPU-a\"} 42\n";
        AtomicReference<List<AgentTarget>> current = new AtomicReference<>(
                List.of(new AgentTarget(standIn.url(), null), new AgentTarget(agentUrl, null)));
        scraper(current::get, Duration.ofSeconds(10), Duration.ofSeconds(5));
        await(scraper.scrapeOnce());
        assertThat(store.targets()).containsExactlyInAnyOrder(standIn.url(), agentUrl);

        current.set(List.of(new AgentTarget(agentUrl, null)));
        await(scraper.scrapeOnce());
        assertThat(store.targets()).containsExactly(agentUrl);
        assertThat(scraper.health()).containsOnlyKeys(agentUrl);
    }

    static String fetch(String url) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Accept", AgentScraper.ACCEPT)
                .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
