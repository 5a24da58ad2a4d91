package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.adapter.testing.GpuReadings;
import io.gpuscale.common.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GPU loads' own schedule: last good snapshot kept, staleness bound, what an answer then says. */
class GpuLoadRefresherTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final double GIB24 = 24.0 * (1L << 30);
    private static final PodSchedulingRecord ONE_GPU = pod("infer").req("nvidia.com/gpu=1").build();

    private final TestClock clock = new TestClock(NOW);
    private final FlakyMetrics metrics = new FlakyMetrics();
    private ClusterIndex index;
    private GpuLoadRefresher loads;
    private PlacementAdvisor advisor;

    @BeforeEach
    void oneIdleGpuNode() {
        index = new ClusterIndex();
        index.upsertNode(node("n1").alloc("cpu=32,memory=64Gi,pods=110,nvidia.com/gpu=2").build());
        loads = new GpuLoadRefresher(metrics, AdvisorOptions.DEFAULT_GPU_MAX_AGE, clock);
        advisor = new PlacementAdvisor(index, loads, AdvisorOptions.defaults(), clock);
    }

    /** n1's GPU part under binpack: 1 of 2 GPUs left, memory free, idle: (0.5 + 1 + 1) / 3 empty. */
    private static final int WITH_LOAD = 17;
    /** Without load: (0.5 + 0.5 + 0.5) / 3. */
    private static final int WITHOUT_LOAD = 50;

    private int gpuScore() {
        return advisor.explain(ONE_GPU).nodes().get(0).gpuScore();
    }

    @Test
    void beforeTheFirstReadTheLoadIsUnknownAndTheAnswerSaysNotReadYet() {
        Explanation e = advisor.explain(ONE_GPU);

        assertThat(e.gpuLoad()).isEqualTo(new GpuLoadStatus(false, null,
                "GPU load unknown: not read yet; nodes are scored without it"));
        assertThat(e.nodes().get(0).gpuScore()).isEqualTo(WITHOUT_LOAD);
        assertThat(loads.lastOutcome()).isEqualTo(GpuLoadRefresher.Outcome.NONE_YET);
        assertThat(loads.snapshotAgeSeconds()).isNaN();
        assertThat(metrics.reads).as("a request reads no metrics").isZero();
    }

    @Test
    void aFailedReadKeepsTheLastGoodSnapshotUntilItIsOlderThanTheMaxAge() {
        assertThat(loads.refresh()).isTrue();
        metrics.down = true;
        clock.set(NOW.plusSeconds(20));

        assertThat(loads.refresh()).isFalse();
        Explanation kept = advisor.explain(ONE_GPU);
        clock.set(NOW.plusSeconds(31));
        Explanation tooOld = advisor.explain(ONE_GPU);

        assertThat(kept.gpuLoad()).isEqualTo(new GpuLoadStatus(true, 20.0, null));
        assertThat(kept.nodes().get(0).gpuScore()).isEqualTo(WITH_LOAD);
        assertThat(tooOld.gpuLoad().known()).isFalse();
        assertThat(tooOld.gpuLoad().ageSeconds()).isEqualTo(31.0);
        assertThat(tooOld.gpuLoad().message()).isEqualTo("GPU load unknown: the last good read is 31 s old, older "
                + "than 30 s (last read failed: Prometheus query failed: connection refused); nodes are scored without it");
        assertThat(tooOld.nodes().get(0).gpuScore()).isEqualTo(WITHOUT_LOAD);
        assertThat(loads.lastOutcome()).isEqualTo(GpuLoadRefresher.Outcome.FAILED);
        assertThat(loads.loadKnown()).isFalse();
        assertThat(loads.snapshotAgeSeconds()).isEqualTo(31.0);
        assertThat(loads.failures()).isOne();
        assertThat(loads.successes()).isOne();
    }

    @Test
    void theNextGoodReadBringsTheLoadBack() {
        metrics.down = true;
        loads.refresh();
        assertThat(gpuScore()).isEqualTo(WITHOUT_LOAD);

        metrics.down = false;
        clock.set(NOW.plusSeconds(1));
        assertThat(loads.refresh()).isTrue();

        Explanation e = advisor.explain(ONE_GPU);
        assertThat(e.gpuLoad()).isEqualTo(new GpuLoadStatus(true, 0.0, null));
        assertThat(e.nodes().get(0).gpuScore()).isEqualTo(WITH_LOAD);
        assertThat(loads.lastOutcome()).isEqualTo(GpuLoadRefresher.Outcome.SUCCEEDED);
        assertThat(loads.lastFailure()).isNull();
        assertThat(loads.nodesWithLoad()).isOne();
    }

    @Test
    void aReadThatEndsAfterANewerOneDoesNotReplaceIt() {
        clock.set(NOW.plusSeconds(5));
        loads.refresh();
        metrics.utilizationPercent = 100;
        clock.set(NOW); // a read begun earlier, ending later
        loads.refresh();
        clock.set(NOW.plusSeconds(5));

        assertThat(gpuScore()).as("the newer read's idle GPU").isEqualTo(WITH_LOAD);
    }

    @Test
    void aFlappingBackendIsLoggedOnceAMinuteAndCountedBetween() {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(GpuLoadRefresher.class.getName());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            for (int second = 0; second < 60; second += 3) { // down, up, down, up, ... every 3 s for a minute
                clock.set(NOW.plusSeconds(second));
                metrics.down = second % 6 == 0;
                loads.refresh();
            }
            clock.set(NOW.plusSeconds(61));
            metrics.down = true;
            loads.refresh();
        } finally {
            log.removeHandler(capture);
        }

        assertThat(lines).filteredOn(l -> l.startsWith("WARNING GPU load read failed")).hasSize(2);
        assertThat(lines).filteredOn(l -> l.startsWith("INFO GPU load read again")).hasSize(1);
        assertThat(loads.failures()).isEqualTo(11);
    }

    @Test
    void theReadPeriodIsATenthOfTheMaxAge() {
        assertThat(GpuLoadRefresher.periodFor(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(3));
        assertThat(GpuLoadRefresher.periodFor(Duration.ofMillis(500))).isEqualTo(Duration.ofMillis(100));
        assertThat(loads.period()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void startedItReadsOnItsOwnThread() {
        GpuLoadRefresher live = new GpuLoadRefresher(metrics, Duration.ofSeconds(2), Clock.systemUTC()).start();
        try {
            Eventually.await(Duration.ofSeconds(30), "two reads", () -> live.successes() >= 2);
            assertThat(live.loadKnown()).isTrue();
        } finally {
            live.close();
        }
    }

    /** One GPU on n1, read at the clock's time; or, while {@link #down}, a failing backend. */
    private final class FlakyMetrics implements GpuReadings {
        volatile boolean down;
        volatile double utilizationPercent;
        int reads;

        @Override
        public List<GpuReading> gpus(String metric) {
            reads++;
            if (down) {
                throw new IllegalStateException("Prometheus query failed: connection refused");
            }
            double value = switch (metric) {
                case GpuScore.UTILIZATION -> utilizationPercent;
                case GpuScore.MEMORY_USED -> 0;
                default -> GIB24;
            };
            long at = clock.millis();
            return List.of(new GpuReading(java.util.Map.of("node", "n1", "gpu", "0"), new Reading(value, at)));
        }
    }
}
