package io.gpuscale.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.advisor.GpuLoadRefresher;
import io.gpuscale.adapter.auth.AuthRecorder;
import io.gpuscale.adapter.cluster.InformerStats;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.scrape.ParseReport;
import io.gpuscale.adapter.scrape.ScrapeRecorder;
import io.gpuscale.adapter.scrape.TargetHealth;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.adapter.testing.GpuReadings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdapterMetricsTest {
    private static final long NOW = 1_800_000_000_000L;
    private final AdapterMetrics metrics = new AdapterMetrics();
    private final Map<String, TargetHealth> health = new LinkedHashMap<>();
    private final MetricStore store = new MetricStore();

    @AfterEach
    void close() {
        metrics.close();
    }

    private void watch() {
        metrics.watchScraping(() -> Map.copyOf(health), store::snapshots, Duration.ofSeconds(6),
                Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    }

    private static TargetHealth target(String url, String node, long consecutiveFailures, long lastSuccessMillis) {
        return new TargetHealth(url, node, 10, consecutiveFailures, consecutiveFailures, 0,
                consecutiveFailures > 0 ? "refused" : null, lastSuccessMillis, null, 0);
    }

    @Test
    void perTargetUpAndLastSuccessFollowTheScraper() {
        health.put("http://10.0.0.5:9410/metrics", target("http://10.0.0.5:9410/metrics", "mainpc", 0, NOW - 1500));
        health.put("http://10.0.0.6:9410/metrics", target("http://10.0.0.6:9410/metrics", null, 3, NOW - 60_000));
        health.put("http://10.0.0.7:9410/metrics", target("http://10.0.0.7:9410/metrics", "pc2", 0, 0));
        watch();
        String text = metrics.scrape();
        assertThat(text)
                .contains("gpuscale_adapter_target_up{node=\"mainpc\",target=\"http://10.0.0.5:9410/metrics\"} 1")
                .contains("gpuscale_adapter_target_up{node=\"\",target=\"http://10.0.0.6:9410/metrics\"} 0")
                .contains("gpuscale_adapter_target_up{node=\"pc2\",target=\"http://10.0.0.7:9410/metrics\"} 0")
                .contains("gpuscale_adapter_target_last_success_timestamp_seconds{node=\"mainpc\","
                        + "target=\"http://10.0.0.5:9410/metrics\"} 1.7999999985E9")
                .contains("gpuscale_adapter_target_last_success_timestamp_seconds{node=\"pc2\","
                        + "target=\"http://10.0.0.7:9410/metrics\"} 0.0")
                .contains("gpuscale_adapter_scrape_targets 3.0")
                .contains("gpuscale_adapter_max_age_seconds 6.0");

        // A target that leaves discovery leaves the exposition at the next scrape; one that recovers is up.
        health.remove("http://10.0.0.6:9410/metrics");
        health.put("http://10.0.0.7:9410/metrics", target("http://10.0.0.7:9410/metrics", "pc2", 0, NOW));
        text = metrics.scrape();
        assertThat(text).doesNotContain("10.0.0.6")
                .contains("gpuscale_adapter_target_up{node=\"pc2\",target=\"http://10.0.0.7:9410/metrics\"} 1")
                .contains("gpuscale_adapter_scrape_targets 2.0");
    }

    @Test
    void readingAgeIsTheNewestSnapshotsAgeAndInfiniteWithoutOne() {
        watch();
        assertThat(metrics.scrape()).contains("gpuscale_adapter_reading_age_seconds +Inf");
        store.begin("http://a:9410/metrics", "n1", NOW - 9_000).commit();
        store.begin("http://b:9410/metrics", "n2", NOW - 2_500).commit();
        assertThat(metrics.scrape()).contains("gpuscale_adapter_reading_age_seconds 2.5")
                .contains("gpuscale_adapter_scrape_targets 0.0");
    }

    @Test
    void theGaugesOutliveTheSuppliersOnlyTheyHold() throws Exception {
        metrics.watchScraping(() -> Map.copyOf(health), store::snapshots, Duration.ofSeconds(6),
                Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        store.begin("http://a:9410/metrics", "n1", NOW - 1_000).commit();
        health.put("http://a:9410/metrics", target("http://a:9410/metrics", "n1", 0, NOW - 1_000));
        metrics.scrape(); // the per-target rows, registered with their values
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(metrics.scrape()).contains("gpuscale_adapter_reading_age_seconds 1.0")
                .contains("gpuscale_adapter_scrape_targets 1.0").contains("gpuscale_adapter_max_age_seconds 6.0")
                .contains("gpuscale_adapter_target_up{node=\"n1\",target=\"http://a:9410/metrics\"} 1.0")
                .doesNotContain("NaN");
    }

    @Test
    void withoutScrapingThereAreNoScrapeSeriesButTheApiAndAuthSeriesExistAtZero() {
        assertThat(metrics.scrape()).doesNotContain("gpuscale_adapter_scrape").doesNotContain("gpuscale_adapter_target")
                .doesNotContain("gpuscale_adapter_cluster")
                .contains("jvm_memory_used_bytes")
                .contains("gpuscale_adapter_api_requests_in_flight 0.0")
                .contains("gpuscale_adapter_api_refusals_total{reason=\"rate_limit\"} 0.0")
                .contains("gpuscale_adapter_auth_denials_total{reason=\"forbidden\"} 0.0")
                .contains("gpuscale_adapter_auth_reviews_total{outcome=\"error\",review=\"access\"} 0.0");
    }

    @Test
    void scrapesAreCountedOncePerScrapeByOutcomeAndReason() {
        ScrapeRecorder r = metrics.scraping();
        r.started(3);
        r.succeeded(false, 40_000_000L, new ParseReport(120, 30, 2, 1, false, 9_000), 4);
        r.succeeded(true, 1_500_000_000L, new ParseReport(100, 0, 0, 0, false, 7_000), 0);
        r.failed(false, ScrapeRecorder.Failure.TIMEOUT, 1_000_000_000L);
        r.failed(false, ScrapeRecorder.Failure.CONNECT, 1_000_000L);
        r.skipped(2);
        assertThat(metrics.scraping()).isSameAs(r);
        assertThat(metrics.scrape())
                .contains("gpuscale_adapter_scrape_duration_seconds_count{mode=\"poll\"} 3")
                .contains("gpuscale_adapter_scrape_duration_seconds_bucket{mode=\"poll\",le=\"0.05\"} 2")
                .contains("gpuscale_adapter_scrape_duration_seconds_count{mode=\"watch\"} 1")
                .contains("gpuscale_adapter_scrape_failures_total{reason=\"timeout\"} 1.0")
                .contains("gpuscale_adapter_scrape_failures_total{reason=\"connect\"} 1.0")
                .contains("gpuscale_adapter_scrape_failures_total{reason=\"too_large\"} 0.0")
                .contains("gpuscale_adapter_scrape_body_bytes_total 16000.0")
                .contains("gpuscale_adapter_scrape_samples_total{outcome=\"kept\"} 216.0")
                .contains("gpuscale_adapter_scrape_samples_total{outcome=\"unwanted\"} 30.0")
                .contains("gpuscale_adapter_scrape_samples_total{outcome=\"out_of_range\"} 4.0")
                .contains("gpuscale_adapter_scrape_lateness_seconds_bucket{le=\"0.005\"} 1")
                .contains("gpuscale_adapter_scrape_skipped_total 2.0");
    }

    @Test
    void reviewsCacheLookupsAndDenialsAreCountedByKind() {
        AuthRecorder r = metrics.auth();
        r.cacheLookup(AuthRecorder.Review.ACCESS, false);
        r.reviewed(AuthRecorder.Review.ACCESS, AuthRecorder.Outcome.DENIED, 3_000_000L);
        r.denied(AuthRecorder.Denial.FORBIDDEN);
        r.cacheLookup(AuthRecorder.Review.ACCESS, true);
        r.denied(AuthRecorder.Denial.FORBIDDEN);
        assertThat(metrics.scrape())
                .contains("gpuscale_adapter_auth_cache_lookups_total{result=\"miss\",review=\"access\"} 1.0")
                .contains("gpuscale_adapter_auth_cache_lookups_total{result=\"hit\",review=\"access\"} 1.0")
                .contains("gpuscale_adapter_auth_reviews_total{outcome=\"denied\",review=\"access\"} 1.0")
                .contains("gpuscale_adapter_auth_review_duration_seconds_bucket{review=\"access\",le=\"0.005\"} 1")
                .contains("gpuscale_adapter_auth_denials_total{reason=\"forbidden\"} 2.0");
    }

    @Test
    void informersAreReadOncePerScrape() {
        java.util.List<InformerStats> stats = new java.util.ArrayList<>(java.util.List.of(
                new InformerStats("pods", 1, 1, 0, 40, 0), new InformerStats("nodes", 1, 2, 0, 3, NOW)));
        metrics.watchCluster(() -> java.util.List.copyOf(stats));
        stats.set(0, new InformerStats("pods", 2, 5, 1, 41, NOW - 500));
        assertThat(metrics.scrape())
                .contains("gpuscale_adapter_cluster_lists_total{resource=\"pods\"} 2.0")
                .contains("gpuscale_adapter_cluster_watches_total{resource=\"pods\"} 5.0")
                .contains("gpuscale_adapter_cluster_request_failures_total{resource=\"pods\"} 1.0")
                .contains("gpuscale_adapter_cluster_objects{resource=\"pods\"} 41.0")
                .contains("gpuscale_adapter_cluster_objects{resource=\"nodes\"} 3.0")
                .contains("gpuscale_adapter_cluster_last_event_timestamp_seconds{resource=\"nodes\"} 1.8E9");
    }

    @Test
    void gpuLoadReadsAreCountedByOutcomeAndTheSnapshotsAgeAndStandingAreShown() {
        boolean[] down = {false};
        GpuReadings backend = metric -> {
            if (down[0]) {
                throw new IllegalStateException("Prometheus query failed: connection refused");
            }
            return List.of(new GpuReading(Map.of("node", "n1", "gpu", "0"), new Reading(40, NOW - 1_000)));
        };
        GpuLoadRefresher loads = new GpuLoadRefresher(backend, Duration.ofSeconds(30),
                Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        metrics.watchGpuLoads(loads);
        assertThat(metrics.scrape()).contains("gpuscale_adapter_gpu_load_age_seconds NaN")
                .contains("gpuscale_adapter_gpu_load_known 0.0")
                .contains("gpuscale_adapter_gpu_load_reads_total{outcome=\"success\"} 0.0");

        loads.refresh();
        down[0] = true;
        loads.refresh();
        assertThat(metrics.scrape()).contains("gpuscale_adapter_gpu_load_age_seconds 0.0")
                .contains("gpuscale_adapter_gpu_load_known 1.0")
                .contains("gpuscale_adapter_gpu_load_nodes 1.0")
                .contains("gpuscale_adapter_gpu_load_reads_total{outcome=\"success\"} 1.0")
                .contains("gpuscale_adapter_gpu_load_reads_total{outcome=\"failure\"} 1.0");
    }
}
