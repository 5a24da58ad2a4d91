package io.gpuscale.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.agent.testing.Gpus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExpositionTest {
    private final AgentMetrics metrics = new AgentMetrics("nvml");
    private final ExpositionRenderer renderer = new ExpositionRenderer(new GpuExpositionWriter("gpu-node-1"), metrics);
    private final NodeSnapshot snapshot = new NodeSnapshot(1, 1_000, "gpu-node-1", SourceStatus.up("nvml"),
            new DriverInfo("580.95.05", "13.580.95.05", "13.0"), List.of(Gpus.busy(0, 73), Gpus.lost(1)));

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void aBodyIsRenderedOncePerSnapshotAndFilter() {
        Exposition e = renderer.exposition(snapshot);
        FamilyFilter a = FamilyFilter.of(List.of("nvidia_gpu_info", "nvidia_gpu_up"));
        FamilyFilter b = FamilyFilter.of(List.of("nvidia_gpu_up", "nvidia_gpu_info"));
        assertThat(e.body(ExpositionFormat.PROMETHEUS_TEXT, false, a))
                .isSameAs(e.body(ExpositionFormat.PROMETHEUS_TEXT, false, b));
        assertThat(e.body(ExpositionFormat.OPENMETRICS, true)).isSameAs(e.body(ExpositionFormat.OPENMETRICS, true));
        assertThat(renderer.exposition(snapshot).body(ExpositionFormat.OPENMETRICS, true))
                .as("a new snapshot renders anew").isNotSameAs(e.body(ExpositionFormat.OPENMETRICS, true));
    }

    @Test
    void gzippedBodiesInflateToThePlainOnes() throws IOException {
        Exposition e = renderer.render(snapshot);
        for (ExpositionFormat f : ExpositionFormat.values()) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(e.body(f, true)))) {
                assertThat(in.readAllBytes()).isEqualTo(e.body(f, false));
            }
        }
    }

    @Test
    void theAgentsAndTheJvmsMetersFollowTheGpuSeriesAndOpenMetricsEndsOnce() {
        Exposition e = renderer.exposition(snapshot);
        String om = new String(e.body(ExpositionFormat.OPENMETRICS, false), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(om).endsWith("# EOF\n");
        assertThat(om.indexOf("# EOF")).isEqualTo(om.length() - "# EOF\n".length());
        assertThat(om.indexOf("nvidia_gpu_up")).isLessThan(om.indexOf("gpuscale_agent_source_up"));
        assertThat(om.indexOf("gpuscale_agent_source_up")).isLessThan(om.indexOf("jvm_memory_used_bytes"));
        String text = new String(e.body(ExpositionFormat.PROMETHEUS_TEXT, false), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).contains("jvm_memory_used_bytes{area=\"heap\"").contains("process_cpu_time_seconds_total")
                .doesNotContain("# EOF");
        String some = new String(e.body(ExpositionFormat.OPENMETRICS, false,
                FamilyFilter.of(List.of("jvm_threads_live_threads", "nvidia_gpu_up"))),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(some).contains("# TYPE nvidia_gpu_up gauge").contains("# TYPE jvm_threads_live_threads gauge")
                .doesNotContain("jvm_memory").doesNotContain("gpuscale_agent").endsWith("# EOF\n");
        assertThat(some.indexOf("# EOF")).isEqualTo(some.length() - "# EOF\n".length());
    }

    @Test
    void filtersPastTheCacheLimitStillGetTheirBodies() {
        Exposition e = renderer.exposition(snapshot);
        for (int i = 0; i < Exposition.MAX_FILTERS + 3; i++) {
            FamilyFilter f = FamilyFilter.of(List.of("nvidia_gpu_up", "unknown_" + i));
            assertThat(new String(e.body(ExpositionFormat.PROMETHEUS_TEXT, false, f)))
                    .startsWith("# HELP nvidia_gpu_up ").doesNotContain("nvidia_gpu_info");
        }
    }
}
