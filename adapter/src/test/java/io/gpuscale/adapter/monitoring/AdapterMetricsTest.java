package io.gpuscale.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.scrape.TargetHealth;
import io.gpuscale.adapter.store.MetricStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
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
                consecutiveFailures > 0 ? "refused" : null, lastSuccessMillis, null);
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
    void withoutScrapingOnlyTheProcessIsDescribed() {
        assertThat(metrics.scrape()).doesNotContain("gpuscale_adapter_").contains("jvm_memory_used_bytes");
    }
}
