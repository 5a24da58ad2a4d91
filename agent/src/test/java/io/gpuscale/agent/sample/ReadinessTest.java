package io.gpuscale.agent.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.agent.testing.Gpus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void notReadyBeforeTheFirstSample() {
        assertThat(Readiness.of(NodeSnapshot.initial("n", "nvml"), 5_000, SECOND).ready()).isFalse();
    }

    @Test
    void notReadyWhileTheSourceIsDownAndSaysWhy() {
        NodeSnapshot s = new NodeSnapshot(1, 1_000, "n",
                SourceStatus.down("nvml", "DRIVER_NOT_LOADED", "driver not loaded"), DriverInfo.UNKNOWN, List.of());
        Readiness r = Readiness.of(s, 1_000, SECOND);
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("DRIVER_NOT_LOADED");
    }

    @Test
    void readyUntilTheSnapshotIsOlderThanThreeIntervals() {
        NodeSnapshot s = new NodeSnapshot(7, 10_000, "n", SourceStatus.up("nvml"), DriverInfo.UNKNOWN,
                List.of(Gpus.busy(0, 50), Gpus.lost(1)));
        assertThat(Readiness.of(s, 13_000, SECOND)).isEqualTo(new Readiness(true, "ok: 2 GPUs, 1 up"));
        Readiness stale = Readiness.of(s, 13_001, SECOND);
        assertThat(stale.ready()).isFalse();
        assertThat(stale.reason()).contains("3001ms old");
    }
}
