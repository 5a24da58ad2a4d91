package io.gpuscale.adapter.hpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The HPA's replica arithmetic, on reference/custom-metrics-api.md §3.4 and its edges. */
class ReplicaCalculatorTest {
    private static final String GPU = "nvidia_gpu_utilization_percent";
    private static final long TARGET_70 = 70_000;

    private final ReplicaCalculator hpa = new ReplicaCalculator();

    private static List<HpaPod> running(String... names) {
        return java.util.Arrays.stream(names).map(HpaPod::running).toList();
    }

    /** Values in whole units, keyed p0, p1, ... in order. */
    private static Map<String, Long> values(double... units) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < units.length; i++) {
            out.put("p" + i, Math.round(units[i] * 1000));
        }
        return out;
    }

    private static HpaMetric.Pods gpu(Map<String, Long> values, List<HpaPod> pods) {
        return new HpaMetric.Pods(GPU, TARGET_70, values, pods);
    }

    @Nested
    class WorkedExamples {
        @Test
        void h1_meanAboveTargetScalesUpByTheRatio() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), gpu(values(90, 80, 100), running("p0", "p1", "p2")));

            assertThat(d.desiredReplicas()).isEqualTo(4);
            assertThat(d.explanation()).contains("mean 90 of 3 pods vs target 70 (ratio 1.286)")
                    .contains("ceil(1.286 × 3) = 4").contains("scale up 3 → 4");
        }

        @Test
        void h2_meanWithinTenPercentOfTargetStays() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), gpu(values(75, 72, 70), running("p0", "p1", "p2")));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.scales()).isFalse();
            assertThat(d.explanation()).contains("mean 72.333").contains("ratio 1.033").contains("within tolerance");
        }

        @Test
        void h3_missingPodOnScaleUpCountsAsZeroAndTheChangeDisappears() {
            HpaDecision d = hpa.decide(HpaScale.of(4, 1, 10),
                    gpu(values(90, 90, 90), running("p0", "p1", "p2", "p3")));

            assertThat(d.desiredReplicas()).isEqualTo(4);
            assertThat(d.explanation()).contains("ratio 1.286").contains("1 missing as 0").contains("mean 67.5")
                    .contains("ratio 0.964");
        }

        @Test
        void h4_missingPodOnScaleDownCountsAsTheTarget() {
            HpaDecision d = hpa.decide(HpaScale.of(4, 1, 10),
                    gpu(values(20, 20, 20), running("p0", "p1", "p2", "p3")));

            assertThat(d.desiredReplicas()).isEqualTo(2);
            assertThat(d.explanation()).contains("ratio 0.286").contains("1 missing as 70").contains("mean 32.5")
                    .contains("ceil(0.464 × 4) = 2").contains("scale down 4 → 2").contains("stabilization");
        }

        @Test
        void h5_aForeignPodAtZeroDragsTheMeanIntoTolerance() {
            Map<String, Long> returned = values(90, 80, 100);
            returned.put("someone-elses-pod", 0L);

            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), gpu(returned, running("p0", "p1", "p2")));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("mean 67.5 of 4 pods").contains("ratio 0.964");
        }

        @Test
        void h6_externalAverageValueDividesTheSumByTheTarget() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), new HpaMetric.External(GPU,
                    MetricTarget.averageValue(TARGET_70), List.of(100_000L, 200_000L), running("a", "b", "c")));

            assertThat(d.desiredReplicas()).isEqualTo(5);
            assertThat(d.explanation()).contains("sum 300 of 2 values").contains("ratio 1.429")
                    .contains("ceil(300 / 70) = 5");
        }

        @Test
        void h7_objectValueMultipliesTheRatioByReadyPods() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), new HpaMetric.ObjectValue("queue_depth",
                    MetricTarget.value(TARGET_70), 140_000, running("a", "b", "c")));

            assertThat(d.desiredReplicas()).isEqualTo(6);
            assertThat(d.explanation()).contains("ratio 2.000").contains("ceil(2.000 × 3 ready) = 6");
        }

        @Test
        void h8_aMilliQuantityIsReadAsItsDecimalValue() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10),
                    gpu(Map.of("p0", 70_500L, "p1", 70_500L, "p2", 70_500L), running("p0", "p1", "p2")));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("mean 70.5 of 3 pods").contains("ratio 1.007");
        }
    }

    @Nested
    class PodGrouping {
        @Test
        void pendingPodsCountAsZeroOnAScaleUpWhichCanCancelIt() {
            List<HpaPod> pods = List.of(HpaPod.running("p0"), HpaPod.running("p1"), HpaPod.pending("p2"));

            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), gpu(values(100, 100), pods));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("1 unready as 0").contains("mean 66.666").contains("within tolerance");
        }

        @Test
        void pendingPodsDoNotHoldBackAScaleDown() {
            List<HpaPod> pods = List.of(HpaPod.running("p0"), HpaPod.running("p1"), HpaPod.pending("p2"));

            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), gpu(values(20, 20), pods));

            assertThat(d.desiredReplicas()).isEqualTo(1);
            assertThat(d.explanation()).contains("ceil(0.286 × 2) = 1");
        }

        @Test
        void deletingAndEndedPodsAreLeftOutWithTheirValues() {
            List<HpaPod> pods = List.of(HpaPod.running("p0"), HpaPod.running("p1"),
                    new HpaPod("p2", "Running", true, true), new HpaPod("p3", "Failed", false, false),
                    new HpaPod("p4", "Succeeded", false, false));

            HpaDecision d = hpa.decide(HpaScale.of(5, 1, 10), gpu(values(140, 140, 0, 0, 0), pods));

            assertThat(d.explanation()).contains("mean 140 of 2 pods").contains("ceil(2.000 × 2) = 4");
            assertThat(d.desiredReplicas()).isEqualTo(4);
        }

        @Test
        void aRunningPodThatIsNotReadyStillCountsForPodsMetrics() {
            List<HpaPod> pods = List.of(HpaPod.running("p0"), new HpaPod("p1", "Running", false, false));

            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), gpu(values(140, 140), pods));

            assertThat(d.desiredReplicas()).isEqualTo(4);
        }

        @Test
        void missingPodsOnAScaleUpStillScaleWhenTheRestIsFarAbove() {
            HpaDecision d = hpa.decide(HpaScale.of(4, 1, 20),
                    gpu(values(200, 200, 200), running("p0", "p1", "p2", "p3")));

            assertThat(d.proposedReplicas()).isEqualTo(9);
            assertThat(d.desiredReplicas()).isEqualTo(8);
            assertThat(d.explanation()).contains("ceil(2.143 × 4) = 9").contains("limited to 8");
        }

        @Test
        void onlyPendingPodsMeanNoMetricsAndNoChange() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10),
                    gpu(Map.of(), List.of(HpaPod.pending("p0"), HpaPod.pending("p1"))));

            assertThat(d.able()).isFalse();
            assertThat(d.desiredReplicas()).isEqualTo(2);
            assertThat(d.explanation()).contains("no values for the selected pods");
        }

        @Test
        void noSelectedPodsMeansNoChange() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), gpu(values(90), List.of()));

            assertThat(d.able()).isFalse();
            assertThat(d.desiredReplicas()).isEqualTo(2);
            assertThat(d.explanation()).contains("no pods returned by selector");
        }
    }

    @Nested
    class Bounds {
        @Test
        void maxReplicasCapsAScaleUp() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 3), gpu(values(90, 80, 100), running("p0", "p1", "p2")));

            assertThat(d.proposedReplicas()).isEqualTo(4);
            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("capped at maxReplicas 3").contains("stay at 3");
        }

        @Test
        void minReplicasFloorsAScaleDown() {
            HpaDecision d = hpa.decide(HpaScale.of(4, 3, 10),
                    gpu(values(20, 20, 20), running("p0", "p1", "p2", "p3")));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("raised to minReplicas 3");
        }

        @Test
        void aScaleUpIsLimitedToDoubleOrFourMorePerStep() {
            HpaDecision d = hpa.decide(HpaScale.of(1, 1, 50), gpu(values(700), running("p0")));

            assertThat(d.proposedReplicas()).isEqualTo(10);
            assertThat(d.desiredReplicas()).isEqualTo(5);
        }

        @Test
        void currentAboveMaxOrBelowMinIsCorrectedWithoutMetrics() {
            HpaMetric m = gpu(values(70), running("p0"));

            assertThat(hpa.decide(HpaScale.of(12, 1, 10), m).desiredReplicas()).isEqualTo(10);
            assertThat(hpa.decide(HpaScale.of(1, 2, 10), m).desiredReplicas()).isEqualTo(2);
        }

        @Test
        void zeroReplicasWithAPositiveMinimumMeansScalingIsDisabled() {
            HpaDecision d = hpa.decide(HpaScale.of(0, 1, 10), gpu(values(700), running("p0")));

            assertThat(d.able()).isFalse();
            assertThat(d.desiredReplicas()).isZero();
            assertThat(d.explanation()).contains("scaling is disabled");
        }

        @Test
        void badBoundsAreRefused() {
            assertThatThrownBy(() -> HpaScale.of(1, 5, 2)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MetricTarget.value(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new ReplicaCalculator(-0.1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class ObjectAndExternal {
        @Test
        void objectValueScalesFromZeroByTheRatioAlone() {
            HpaDecision d = hpa.decide(HpaScale.of(0, 0, 10),
                    new HpaMetric.ObjectValue("queue_depth", MetricTarget.value(10_000), 25_000, List.of()));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("from zero");
        }

        @Test
        void objectValueCountsOnlyRunningReadyPods() {
            List<HpaPod> pods = List.of(HpaPod.running("a"), HpaPod.pending("b"),
                    new HpaPod("c", "Running", false, false));

            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10),
                    new HpaMetric.ObjectValue("queue_depth", MetricTarget.value(TARGET_70), 210_000, pods));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("ceil(3.000 × 1 ready) = 3");
        }

        @Test
        void averageValueWithinToleranceOfStatusReplicasStays() {
            HpaDecision d = hpa.decide(HpaScale.of(3, 1, 10), new HpaMetric.ObjectValue("queue_depth",
                    MetricTarget.averageValue(TARGET_70), 220_000, running("a", "b", "c")));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("within tolerance");
        }

        @Test
        void averageValueDividesByStatusReplicasNotSpecReplicas() {
            // spec says 4 but only 2 exist yet: 160/(70×2)=1.14 is outside tolerance.
            HpaDecision d = hpa.decide(new HpaScale(4, 2, 1, 10), new HpaMetric.External(GPU,
                    MetricTarget.averageValue(TARGET_70), List.of(160_000L), running("a", "b")));

            assertThat(d.proposedReplicas()).isEqualTo(3);
            assertThat(d.explanation()).contains("× 2 replicas (ratio 1.143)");
        }

        @Test
        void externalValueSumsEveryValue() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), new HpaMetric.External("idle_gpus",
                    MetricTarget.value(2_000), List.of(1_000L, 1_000L, 2_000L), running("a", "b")));

            assertThat(d.desiredReplicas()).isEqualTo(4);
        }

        @Test
        void anExternalMetricWithNoValuesCannotBeComputed() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), new HpaMetric.External("idle_gpus",
                    MetricTarget.value(2_000), List.of(), running("a", "b")));

            assertThat(d.able()).isFalse();
            assertThat(d.desiredReplicas()).isEqualTo(2);
        }
    }

    @Nested
    class SeveralMetrics {
        private final HpaMetric up = gpu(values(140, 140), running("p0", "p1"));
        private final HpaMetric down = new HpaMetric.ObjectValue("queue_depth", MetricTarget.value(10_000), 1_000,
                running("p0", "p1"));
        private final HpaMetric broken = new HpaMetric.External("idle_gpus", MetricTarget.value(1_000), List.of(),
                running("p0", "p1"));

        @Test
        void theLargestProposalWins() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), List.of(down, up));

            assertThat(d.desiredReplicas()).isEqualTo(4);
            assertThat(d.explanation()).contains(GPU + ": ").contains("queue_depth: ");
        }

        @Test
        void aFailedMetricBlocksAScaleDown() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), List.of(down, broken));

            assertThat(d.desiredReplicas()).isEqualTo(2);
            assertThat(d.able()).isFalse();
            assertThat(d.explanation()).contains("idle_gpus").contains("the others would scale down");
        }

        @Test
        void aFailedMetricDoesNotBlockAScaleUp() {
            HpaDecision d = hpa.decide(HpaScale.of(2, 1, 10), List.of(up, broken));

            assertThat(d.desiredReplicas()).isEqualTo(4);
        }
    }

    @Test
    void milliValuesPrintAsPlainDecimals() {
        assertThat(ReplicaCalculator.milli(70_000)).isEqualTo("70");
        assertThat(ReplicaCalculator.milli(70_500)).isEqualTo("70.5");
        assertThat(ReplicaCalculator.milli(1)).isEqualTo("0.001");
        assertThat(ReplicaCalculator.milli(0)).isEqualTo("0");
    }
}
