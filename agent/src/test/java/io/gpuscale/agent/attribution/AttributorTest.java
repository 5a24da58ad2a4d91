package io.gpuscale.agent.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.MigDevice;
import io.gpuscale.agent.gpu.ProcessUtilization;
import io.gpuscale.agent.testing.Gpus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttributorTest {
    private static final PodRef TRAIN = new PodRef("ml", "train-0", "trainer");
    private static final PodRef INFER_A = new PodRef("web", "infer-a", "server");
    private static final PodRef INFER_B = new PodRef("web", "infer-b", "server");
    private static final String UID_A = "aaaaaaaa-0000-0000-0000-000000000001";
    private static final String UID_B = "bbbbbbbb-0000-0000-0000-000000000002";
    private static final Map<PodName, PodState> PODS = Map.of(
            new PodName("ml", "train-0"), new PodState("tttttttt-0000-0000-0000-000000000000", false),
            new PodName("web", "infer-a"), new PodState(UID_A, false),
            new PodName("web", "infer-b"), new PodState(UID_B, false));

    private static String uuid(int gpu) {
        return Gpus.identity(gpu).uuid();
    }

    private static GpuSample sharedGpu(int util) {
        return GpuSample.builder(Gpus.identity(1))
                .set(GpuField.UTILIZATION_GPU_PERCENT, util)
                .set(GpuField.MEMORY_USED_BYTES, 9_000)
                .set(GpuField.PROCESS_UTILIZATION, 1)
                .processes(List.of(new GpuProcess(101, 4_000, -1, -1), new GpuProcess(102, 1_000, -1, -1),
                        new GpuProcess(201, 3_000, -1, -1)))
                .processUtilization(List.of(
                        new ProcessUtilization(101, 1_000, 10, 0, 0, 0),
                        new ProcessUtilization(101, 2_000, 30, 0, 0, 0),
                        new ProcessUtilization(102, 2_000, 15, 0, 0, 0),
                        new ProcessUtilization(201, 2_000, 20, 0, 0, 0)))
                .build();
    }

    @Test
    void exclusiveGpuIsItsPodsAndCarriesTheGpusReadings() {
        Attribution a = Attributor.attribute(List.of(Gpus.busy(0, 73)),
                List.of(new Holding(TRAIN, uuid(0), -1, "nvidia.com/gpu")), PODS, Map.of());
        assertThat(a.exclusiveHolder(uuid(0))).isEqualTo(TRAIN);
        assertThat(a.usage()).containsExactly(
                new PodGpuUsage(TRAIN, uuid(0), AttributionMethod.EXCLUSIVE, 73, 1L << 30));
    }

    @Test
    void timeSlicedGpuIsSplitByEachPodsOwnProcesses() {
        Attribution a = Attributor.attribute(List.of(sharedGpu(64)),
                List.of(new Holding(INFER_B, uuid(1), 1, "nvidia.com/gpu"),
                        new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu")),
                PODS, Map.of(101L, UID_A, 102L, UID_A, 201L, UID_B));
        assertThat(a.exclusiveHolders()).isEmpty();
        assertThat(a.usage()).containsExactly(
                new PodGpuUsage(INFER_A, uuid(1), AttributionMethod.PROCESS, 45, 5_000),
                new PodGpuUsage(INFER_B, uuid(1), AttributionMethod.PROCESS, 20, 3_000));
    }

    @Test
    void sharedGpuWithoutVisibleProcessesFallsBackToTheWholeGpu() {
        Attribution a = Attributor.attribute(List.of(sharedGpu(64)),
                List.of(new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu"),
                        new Holding(INFER_B, uuid(1), 1, "nvidia.com/gpu")),
                PODS, Map.of());
        assertThat(a.usage()).extracting(PodGpuUsage::method).containsOnly(AttributionMethod.WHOLE_GPU);
        assertThat(a.usage()).extracting(PodGpuUsage::utilizationPercent).containsOnly(64);
    }

    @Test
    void sharedGpuWithoutPerProcessSupportFallsBackToTheWholeGpu() {
        GpuSample noSamples = GpuSample.builder(Gpus.identity(1)).set(GpuField.UTILIZATION_GPU_PERCENT, 50)
                .unsupported(GpuField.PROCESS_UTILIZATION).build();
        Attribution a = Attributor.attribute(List.of(noSamples),
                List.of(new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu")), PODS, Map.of(101L, UID_A));
        assertThat(a.usage()).containsExactly(
                new PodGpuUsage(INFER_A, uuid(1), AttributionMethod.WHOLE_GPU, 50, -1));
    }

    @Test
    void idleSharedGpuGivesItsPodsZeroNotTheWholeGpu() {
        GpuSample idle = GpuSample.builder(Gpus.identity(1)).set(GpuField.UTILIZATION_GPU_PERCENT, 0)
                .set(GpuField.PROCESS_UTILIZATION, 1).build();
        Attribution a = Attributor.attribute(List.of(idle),
                List.of(new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu")), PODS, Map.of());
        assertThat(a.usage()).containsExactly(new PodGpuUsage(INFER_A, uuid(1), AttributionMethod.PROCESS, 0, 0));
    }

    @Test
    void endedAndUnknownPodsAreDroppedEvenIfTheKubeletStillListsThem() {
        Map<PodName, PodState> pods = Map.of(new PodName("ml", "train-0"), new PodState("t", true));
        Attribution a = Attributor.attribute(List.of(Gpus.busy(0, 73), sharedGpu(10)),
                List.of(new Holding(TRAIN, uuid(0), -1, "nvidia.com/gpu"),
                        new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu")), pods, Map.of());
        assertThat(a.usage()).isEmpty();
        assertThat(a.exclusiveHolders()).isEmpty();
    }

    @Test
    void withoutThePodListAllocationsAreTrustedAndSharedGpusUseTheWholeGpu() {
        Attribution a = Attributor.attribute(List.of(Gpus.busy(0, 73), sharedGpu(10)),
                List.of(new Holding(TRAIN, uuid(0), -1, "nvidia.com/gpu"),
                        new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu")), null, Map.of(101L, UID_A));
        assertThat(a.exclusiveHolder(uuid(0))).isEqualTo(TRAIN);
        assertThat(a.usage()).extracting(PodGpuUsage::method)
                .containsExactly(AttributionMethod.EXCLUSIVE, AttributionMethod.WHOLE_GPU);
    }

    @Test
    void migDevicesAreAttributedThroughTheirOwnUuidsWithMemoryOnly() {
        MigDevice small = new MigDevice("MIG-aaaa", 0, 7, 0, "1g.10gb", 10_000, 2_500, 7_500);
        MigDevice shared = new MigDevice("MIG-bbbb", 1, 8, 0, "1g.10gb", 10_000, 4_000, 6_000);
        GpuSample h100 = GpuSample.builder(Gpus.identity(0)).set(GpuField.MIG_MODE_ENABLED, 1)
                .unsupported(GpuField.UTILIZATION_GPU_PERCENT)
                .migDevices(List.of(small, shared))
                .processes(List.of(new GpuProcess(101, 1_500, 8, 0), new GpuProcess(201, 2_500, 8, 0),
                        new GpuProcess(301, 2_000, 7, 0)))
                .build();
        Attribution a = Attributor.attribute(List.of(h100), List.of(
                new Holding(TRAIN, "MIG-aaaa", -1, "nvidia.com/mig-1g.10gb"),
                new Holding(INFER_A, "MIG-bbbb", 0, "nvidia.com/mig-1g.10gb"),
                new Holding(INFER_B, "MIG-bbbb", 1, "nvidia.com/mig-1g.10gb")),
                PODS, Map.of(101L, UID_A, 201L, UID_B));
        assertThat(a.exclusiveHolder("MIG-aaaa")).isEqualTo(TRAIN);
        assertThat(a.exclusiveHolder(uuid(0))).isNull();
        assertThat(a.usage()).containsExactly(
                new PodGpuUsage(TRAIN, "MIG-aaaa", AttributionMethod.EXCLUSIVE, -1, 2_500),
                new PodGpuUsage(INFER_A, "MIG-bbbb", AttributionMethod.PROCESS, -1, 1_500),
                new PodGpuUsage(INFER_B, "MIG-bbbb", AttributionMethod.PROCESS, -1, 2_500));
    }

    @Test
    void lostGpuAttributesNothing() {
        Attribution a = Attributor.attribute(List.of(Gpus.lost(0)),
                List.of(new Holding(TRAIN, uuid(0), -1, "nvidia.com/gpu")), PODS, Map.of());
        assertThat(a.usage()).isEmpty();
    }

    @Test
    void aContainerHoldingTwoReplicasOfOneGpuCountsOnce() {
        Attribution a = Attributor.attribute(List.of(sharedGpu(64)),
                List.of(new Holding(INFER_A, uuid(1), 0, "nvidia.com/gpu"),
                        new Holding(INFER_A, uuid(1), 1, "nvidia.com/gpu")),
                PODS, Map.of(101L, UID_A, 102L, UID_A, 201L, UID_B));
        assertThat(a.usage()).containsExactly(new PodGpuUsage(INFER_A, uuid(1), AttributionMethod.PROCESS, 45, 5_000));
        assertThat(a.exclusiveHolders()).as("still time-sliced: other pods may join").isEmpty();
    }
}
