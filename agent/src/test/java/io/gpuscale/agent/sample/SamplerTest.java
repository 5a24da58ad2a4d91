package io.gpuscale.agent.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.testing.Gpus;
import io.gpuscale.common.testing.TestClock;
import io.gpuscale.agent.testing.ScriptedGpuSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final DriverInfo DRIVER = new DriverInfo("580.95.05", "13.580.95.05", "13.0");

    private final TestClock clock = new TestClock();
    private final AgentMetrics metrics = new AgentMetrics("scripted");
    private final List<NodeSnapshot> published = new ArrayList<>();

    @AfterEach
    void close() {
        metrics.close();
    }

    private Sampler sampler(ScriptedGpuSource source) {
        return new Sampler(source, "gpu-node-1", Duration.ofSeconds(1), clock, clock::nanoTime, metrics,
                published::add);
    }

    @Test
    void missingLibraryPublishesEmptySnapshotsAndRetriesWithBackoff() {
        ScriptedGpuSource source = new ScriptedGpuSource()
                .thenFailOpen("LIBRARY_NOT_FOUND", "libnvidia-ml.so.1 not found")
                .thenFailOpen("LIBRARY_NOT_FOUND", "libnvidia-ml.so.1 not found")
                .thenOpen(DRIVER)
                .thenRead(new NodeReading(DRIVER, List.of(Gpus.busy(0, 70)), List.of()));
        Sampler sampler = sampler(source);

        NodeSnapshot first = sampler.tick();
        assertThat(first.source().up()).isFalse();
        assertThat(first.source().code()).isEqualTo("LIBRARY_NOT_FOUND");
        assertThat(first.gpus()).isEmpty();
        assertThat(source.openCalls()).isEqualTo(1);

        clock.advance(Duration.ofMillis(500));
        sampler.tick();
        assertThat(source.openCalls()).as("backoff holds the retry back for 1s").isEqualTo(1);

        clock.advance(Duration.ofMillis(600));
        sampler.tick();
        assertThat(source.openCalls()).isEqualTo(2);

        clock.advance(Duration.ofMillis(1500));
        sampler.tick();
        assertThat(source.openCalls()).as("the delay doubled to 2s").isEqualTo(2);

        clock.advance(Duration.ofMillis(600));
        NodeSnapshot ok = sampler.tick();
        assertThat(source.openCalls()).isEqualTo(3);
        assertThat(ok.source().up()).isTrue();
        assertThat(ok.driver()).isEqualTo(DRIVER);
        assertThat(ok.gpus()).hasSize(1);
        assertThat(published).extracting(NodeSnapshot::generation).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void sourceFailingAsAWholeIsClosedAndReopened() {
        ScriptedGpuSource source = new ScriptedGpuSource()
                .thenOpen(DRIVER).thenOpen(DRIVER)
                .thenRead(new NodeReading(DRIVER, List.of(Gpus.busy(0, 70)), List.of()))
                .thenFailRead("DRIVER_NOT_LOADED", "driver unloaded")
                .thenRead(new NodeReading(DRIVER, List.of(Gpus.busy(0, 71)), List.of()));
        Sampler sampler = sampler(source);
        assertThat(sampler.tick().source().up()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        NodeSnapshot down = sampler.tick();
        assertThat(down.source().code()).isEqualTo("DRIVER_NOT_LOADED");
        assertThat(down.gpus()).isEmpty();
        assertThat(source.closeCalls()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        NodeSnapshot back = sampler.tick();
        assertThat(back.source().up()).isTrue();
        assertThat(source.openCalls()).isEqualTo(2);
    }

    @Test
    void lostGpuIsPublishedDownAndOthersKeepFlowing() {
        ScriptedGpuSource source = new ScriptedGpuSource().thenOpen(DRIVER)
                .thenRead(new NodeReading(DRIVER, List.of(Gpus.busy(0, 70), Gpus.lost(1)),
                        List.of(new SourceError("nvmlDeviceGetUtilizationRates", "GPU_IS_LOST", 1))));
        NodeSnapshot s = sampler(source).tick();
        assertThat(s.source().up()).isTrue();
        assertThat(s.gpus().get(0).up()).isTrue();
        assertThat(s.gpus().get(1).up()).isFalse();
        assertThat(metrics.registry().get("gpuscale.agent.nvml.errors")
                .tag("function", "nvmlDeviceGetUtilizationRates").tag("code", "GPU_IS_LOST").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void closeReleasesTheSource() {
        ScriptedGpuSource source = new ScriptedGpuSource().thenOpen(DRIVER)
                .thenRead(new NodeReading(DRIVER, List.of(), List.of()));
        Sampler sampler = sampler(source);
        sampler.start();
        sampler.close();
        assertThat(source.closeCalls()).isGreaterThanOrEqualTo(1);
    }
}
