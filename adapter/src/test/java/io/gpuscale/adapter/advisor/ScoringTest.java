package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.common.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScoringTest {
    private static final Instant NOW = Instant.parse("2026-11-23T20:00:00Z");
    private static final long FRESH = NOW.toEpochMilli() - 2_000;
    private static final long STALE = NOW.toEpochMilli() - 120_000;
    private static final double GIB24 = 24.0 * (1L << 30);
    private static final PodSchedulingRecord ONE_GPU = pod("infer").req("cpu=1,nvidia.com/gpu=1").build();

    private ClusterIndex index;

    @BeforeEach
    void twoTwoGpuNodes() {
        index = new ClusterIndex();
        index.upsertNode(node("busy").alloc("cpu=32,memory=64Gi,pods=110,nvidia.com/gpu=2").build());
        index.upsertNode(node("idle").alloc("cpu=32,memory=64Gi,pods=110,nvidia.com/gpu=2").build());
        index.upsertPod(pod("trainer").on("busy").req("nvidia.com/gpu=1").phase("Running").build());
    }

    private PlacementAdvisor advisor(GpuReadings readings, GpuPolicy policy) {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        AdvisorOptions options = new AdvisorOptions(policy, KubeVersion.NEWEST, Duration.ofSeconds(30));
        return new PlacementAdvisor(index, readings == null ? null : readOnce(readings, options, clock), options, clock);
    }

    /** A refresher that has read once, as its thread would have: scoring reads only its snapshot. */
    private static GpuLoadRefresher readOnce(GpuReadings readings, AdvisorOptions options, Clock clock) {
        GpuLoadRefresher loads = new GpuLoadRefresher(readings, options.gpuMaxAge(), clock);
        assertThat(loads.refresh()).isTrue();
        return loads;
    }

    private static GpuReadings loaded(long busyAt, long idleAt) {
        return new GpuReadings()
                .gpu("busy", 90, 0.8 * GIB24, GIB24, busyAt).gpu("busy", 90, 0.8 * GIB24, GIB24, busyAt)
                .gpu("idle", 5, 0.1 * GIB24, GIB24, idleAt).gpu("idle", 5, 0.1 * GIB24, GIB24, idleAt);
    }

    @Test
    void binpackPutsAGpuPodOnTheBusierNode() {
        Explanation e = advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).explain(ONE_GPU);

        assertThat(e.nodes()).extracting(NodeVerdict::name).containsExactly("busy", "idle");
        // busy: free GPUs after placing (2-1-1)/2 = 0, free memory 0.2, idle 0.1 → emptiness 0.1, binpack 90
        // idle: (2-0-1)/2 = 0.5, 0.9, 0.95 → emptiness 0.783, binpack 22
        assertThat(advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).scores(ONE_GPU))
                .extractingFromEntries(en -> en.getValue().gpu()).containsExactly(90, 22);
    }

    @Test
    void spreadPutsAGpuPodOnTheEmptierNode() {
        Explanation e = advisor(loaded(FRESH, FRESH), GpuPolicy.SPREAD).explain(ONE_GPU);

        assertThat(e.nodes()).extracting(NodeVerdict::name).containsExactly("idle", "busy");
        assertThat(advisor(loaded(FRESH, FRESH), GpuPolicy.SPREAD).scores(ONE_GPU))
                .extractingFromEntries(en -> en.getValue().gpu()).containsExactly(10, 78);
    }

    @Test
    void staleReadingsCountAsUnknownNotIdle() {
        Map<String, PlacementAdvisor.Scored> spread = advisor(loaded(STALE, FRESH), GpuPolicy.SPREAD).scores(ONE_GPU);

        // busy's memory and utilization are two minutes old: each counts 0.5, so emptiness is
        // (0 + 0.5 + 0.5) / 3, not the (0 + 1 + 1) / 3 an idle GPU would give.
        assertThat(spread.get("busy").gpu()).isEqualTo(33);
        assertThat(spread.get("idle").gpu()).isEqualTo(78);
    }

    @Test
    void scoringReadsOnlyTheSnapshotAndANewReadReplacesIt() {
        GpuReadings readings = loaded(FRESH, FRESH);
        TestClock clock = new TestClock(NOW);
        GpuLoadRefresher loads = new GpuLoadRefresher(readings, AdvisorOptions.DEFAULT_GPU_MAX_AGE, clock);
        PlacementAdvisor advisor = new PlacementAdvisor(index, loads, AdvisorOptions.defaults(), clock);
        loads.refresh();

        advisor.explain(ONE_GPU);
        readings.gpu("busy", 0, 0, GIB24, NOW.toEpochMilli()).gpu("busy", 0, 0, GIB24, NOW.toEpochMilli());
        clock.set(NOW.plusSeconds(1));
        int before = advisor.scores(ONE_GPU).get("busy").gpu();
        int bulkReadsBefore = readings.bulkReads;
        loads.refresh();
        int after = advisor.scores(ONE_GPU).get("busy").gpu();

        assertThat(before).as("the snapshot read before the new readings").isEqualTo(90);
        assertThat(bulkReadsBefore).as("requests read no metrics").isEqualTo(3);
        // now four readings of busy: utilization mean 45, 1.6 of 4 GPUs of memory used: (0 + 0.6 + 0.55) / 3
        assertThat(after).as("the next read's snapshot").isEqualTo(62);
        assertThat(readings.bulkReads).isEqualTo(6);
    }

    @Test
    void aReadingThatAgesPastTheMaxAgeInAKeptSnapshotStopsCounting() {
        TestClock clock = new TestClock(NOW);
        // busy read 25 s before NOW: fresh when read, 35 s old ten seconds later
        GpuReadings readings = loaded(NOW.toEpochMilli() - 25_000, FRESH);
        GpuLoadRefresher loads = new GpuLoadRefresher(readings, AdvisorOptions.DEFAULT_GPU_MAX_AGE, clock);
        AdvisorOptions spread = new AdvisorOptions(GpuPolicy.SPREAD, KubeVersion.NEWEST,
                AdvisorOptions.DEFAULT_GPU_MAX_AGE);
        PlacementAdvisor advisor = new PlacementAdvisor(index, loads, spread, clock);
        loads.refresh();

        int fresh = advisor.scores(ONE_GPU).get("busy").gpu();
        clock.set(NOW.plusSeconds(10));
        Map<String, PlacementAdvisor.Scored> later = advisor.scores(ONE_GPU);

        assertThat(fresh).isEqualTo(10);
        assertThat(later.get("busy").gpu()).as("busy's readings, now 35 s old, count as unknown").isEqualTo(33);
        assertThat(later.get("idle").gpu()).as("idle's, 12 s old, still count").isEqualTo(78);
        assertThat(advisor.explain(ONE_GPU).gpuLoad().known()).as("the snapshot itself is 10 s old").isTrue();
    }

    @Test
    void withoutMetricsOnlyFreeGpusTellNodesApart() {
        Map<String, PlacementAdvisor.Scored> binpack = advisor(null, GpuPolicy.BINPACK).scores(ONE_GPU);

        assertThat(binpack.get("busy").gpu()).isEqualTo(67);
        assertThat(binpack.get("idle").gpu()).isEqualTo(50);
    }

    @Test
    void aPodWithoutGpusPrefersIdleGpusWhateverThePolicyAndANodeWithoutGpusMost() {
        index.upsertNode(node("cpu-only").alloc("cpu=32,memory=64Gi,pods=110").build());
        PodSchedulingRecord web = pod("web").req("cpu=1").build();

        for (GpuPolicy policy : GpuPolicy.values()) {
            Explanation e = advisor(loaded(FRESH, FRESH), policy).explain(web);
            assertThat(e.nodes()).extracting(NodeVerdict::name).as(policy.name())
                    .containsExactly("cpu-only", "idle", "busy");
        }
        assertThat(advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).scores(web))
                .extractingFromEntries(en -> en.getValue().gpu()).containsExactly(10, 100, 95);
    }

    @Test
    void gpuLoadWeighsLightlyForAPodWithoutGpus() {
        PodSchedulingRecord web = pod("web").req("cpu=1").build();

        Map<String, PlacementAdvisor.Scored> s = advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).scores(web);

        // (3 * 100 taint + 1 * gpu) / 4
        assertThat(s.get("busy").total()).isEqualTo(78);
        assertThat(s.get("idle").total()).isEqualTo(99);
    }

    @Test
    void gpuLoadUnderBinpackCanOutweighAPreferNoScheduleTaint() {
        index.upsertNode(node("busy").alloc("cpu=32,memory=64Gi,pods=110,nvidia.com/gpu=2")
                .taint("gpu=shared:PreferNoSchedule").build());

        Map<String, PlacementAdvisor.Scored> s = advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).scores(ONE_GPU);

        assertThat(s.get("busy").taint()).isZero();
        assertThat(s.get("idle").taint()).isEqualTo(100);
        // busy (3*0 + 5*90)/8 = 56; idle (3*100 + 5*22)/8 = 51
        assertThat(s.get("busy").total()).isEqualTo(56);
        assertThat(s.get("idle").total()).isEqualTo(51);
    }

    @Test
    void eachFeasibleVerdictCarriesItsGpuPartBesideTheTotal() {
        index.upsertNode(node("busy").alloc("cpu=32,memory=64Gi,pods=110,nvidia.com/gpu=2")
                .taint("gpu=shared:PreferNoSchedule").build());

        Explanation e = advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).explain(ONE_GPU);

        // the extender's prioritize answers the GPU part alone: kube-scheduler scores the taint itself
        assertThat(e.nodes()).extracting(NodeVerdict::name, NodeVerdict::score, NodeVerdict::gpuScore)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("busy", 56, 90),
                        org.assertj.core.groups.Tuple.tuple("idle", 51, 22));
    }

    @Test
    void preferredNodeAffinityJoinsTheMeanWithWeightTwo() {
        PodSchedulingRecord p = pod("p").req("nvidia.com/gpu=1").affinity(Build.preferring(
                Build.preferred(10, Build.fields(Build.expr("metadata.name", "In", "idle"))))).build();

        Map<String, PlacementAdvisor.Scored> s = advisor(loaded(FRESH, FRESH), GpuPolicy.BINPACK).scores(p);

        assertThat(s.get("idle").affinity()).isEqualTo(100);
        assertThat(s.get("busy").affinity()).isZero();
        // idle (300 + 200 + 5*22)/10 = 61; busy (300 + 0 + 5*90)/10 = 75
        assertThat(s.get("idle").total()).isEqualTo(61);
        assertThat(s.get("busy").total()).isEqualTo(75);
    }
}
