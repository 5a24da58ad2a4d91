package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.common.testing.Eventually;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the scraper asks: filtered to the kept families, watching agents that can be watched, spread over the interval. */
class AgentScraperWatchIT {
    private static final String GPU = "nvidia_gpu_utilization_percent{node=\"n1\",gpu=\"0\",uuid=\"GPU-a\"} ";

    private Vertx vertx;
    private ExpositionServer standIn;
    private final MetricStore store = new MetricStore();
    private AgentScraper scraper;

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

    private AgentScraper scraper(List<AgentTarget> targets, Duration interval, int lanes) {
        scraper = new AgentScraper(vertx, new StaticAgentTargets(targets), store,
                new ScrapeOptions(interval, Duration.ofSeconds(5), ScrapeLimits.DEFAULTS),
                Set.of("nvidia_gpu_utilization_percent", "nvidia_gpu_info"), lanes);
        return scraper;
    }

    private List<Double> values() {
        return store.node("nvidia_gpu_utilization_percent", "n1").stream().map(Reading::value).toList();
    }

    @Test
    void asksOnlyForTheFamiliesItKeeps() throws Exception {
        standIn.body = GPU + "42\n";
        scraper(List.of(new AgentTarget(standIn.url(), null)), Duration.ofSeconds(10), 1).scrapeOnce()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(standIn.queries).containsExactly("name%5B%5D=nvidia_gpu_info&name%5B%5D=nvidia_gpu_utilization_percent");
        assertThat(values()).containsExactly(42.0);
    }

    @Test
    void aTargetUrlWithAQueryKeepsIt() throws Exception {
        standIn.body = GPU + "42\n";
        scraper(List.of(new AgentTarget(standIn.url() + "?format=text", null)), Duration.ofSeconds(10), 1).scrapeOnce()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(standIn.queries).singleElement().asString().startsWith("format=text&name%5B%5D=");
    }

    @Test
    void anAgentNamingItsSampleTimeIsWatchedAndItsNextSampleArrivesWithoutWaitingForTheInterval() throws Exception {
        standIn.sampleTime = 1_000;
        standIn.body = GPU + "42\n";
        // An interval of an hour: only a watch can bring the next sample within this test.
        scraper(List.of(new AgentTarget(standIn.url(), null)), Duration.ofHours(1), 1);
        scraper.scrapeOnce().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        scraper.start();

        Eventually.await(Duration.ofSeconds(30), "the first sample and a held watch",
                () -> values().equals(List.of(42.0)) && standIn.held() == 1);
        assertThat(standIn.queries.get(1)).endsWith("&since=1000&wait=" + AgentScraper.MAX_WATCH_WAIT_MILLIS);

        standIn.publish(GPU + "77\n", 2_000);
        Eventually.await(Duration.ofSeconds(30), "the second sample", () -> values().equals(List.of(77.0)));
        Eventually.await(Duration.ofSeconds(30), "the next watch, since the new sample",
                () -> standIn.held() == 1 && standIn.queries.get(standIn.queries.size() - 1).contains("since=2000"));
        assertThat(store.snapshot(standIn.url()).orElseThrow().timestampMillis()).isPositive();
        assertThat(scraper.health().get(standIn.url()).failures()).isZero();
    }

    @Test
    void aTargetWithoutTheHeaderIsPolledNeverWatched() {
        standIn.body = GPU + "42\n";
        scraper(List.of(new AgentTarget(standIn.url(), null)), Duration.ofMillis(200), 1).start();

        Eventually.await(Duration.ofSeconds(30), "five polls", () -> standIn.queries.size() >= 5);
        assertThat(standIn.queries).noneMatch(q -> q.contains("since="));
        assertThat(scraper.health().get(standIn.url()).skipped()).isZero();
    }

    @Test
    void withWatchingOffAnAgentNamingItsSampleTimeIsPolledAtTheInterval() {
        standIn.sampleTime = 1_000;
        standIn.body = GPU + "42\n";
        scraper = new AgentScraper(vertx, new StaticAgentTargets(List.of(new AgentTarget(standIn.url(), null))), store,
                new ScrapeOptions(Duration.ofMillis(200), Duration.ofSeconds(5), ScrapeLimits.DEFAULTS, null, false),
                Set.of("nvidia_gpu_utilization_percent", "nvidia_gpu_info"), 1);
        scraper.start();

        Eventually.await(Duration.ofSeconds(30), "five polls", () -> standIn.queries.size() >= 5);
        assertThat(standIn.queries).noneMatch(q -> q.contains("since="));
        assertThat(standIn.held()).isZero();
        assertThat(values()).containsExactly(42.0);
    }

    @Test
    void anAgentWhoseSampleDoesNotMoveIsAskedAgainOnlyAtItsPhase() {
        standIn.sampleTime = 5_000;
        standIn.body = GPU + "42\n";
        scraper(List.of(new AgentTarget(standIn.url(), null)), Duration.ofMillis(300), 1).start();

        // Each watch is held for its wait (2 intervals) and answered with the same sample; the next
        // one starts at the target's phase, so requests never come faster than one per interval.
        Eventually.await(Duration.ofSeconds(30), "four answered watches",
                () -> standIn.queries.stream().filter(q -> q.contains("since=5000&wait=600")).count() >= 4);
        List<Long> arrivals = new ArrayList<>(standIn.arrivals);
        for (int i = 2; i < arrivals.size(); i++) {
            assertThat(arrivals.get(i) - arrivals.get(i - 1)).as("gap before request %d", i).isGreaterThanOrEqualTo(290);
        }
    }

    @Test
    void targetsAreSpreadOverTheIntervalNotScrapedInOneBurst() {
        standIn.body = GPU + "42\n";
        List<AgentTarget> targets = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            targets.add(new AgentTarget(standIn.url() + "?target=" + i, null));
        }
        scraper(targets, Duration.ofSeconds(2), 2).start();

        Eventually.await(Duration.ofSeconds(30), "every target scraped once", () -> standIn.arrivals.size() >= 40);
        List<Long> first = new ArrayList<>(standIn.arrivals.subList(0, 40));
        Collections.sort(first);
        assertThat(first.get(39) - first.get(0)).as("the first round's spread, in ms").isGreaterThan(1_000);
        assertThat(scraper.health()).hasSize(40);
    }
}
