package io.gpuscale.agent.nvml;

import static io.gpuscale.agent.gpu.GpuField.MEMORY_TOTAL_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MIG_MODE_ENABLED;
import static io.gpuscale.agent.nvml.FakeNvml.GIB;
import static io.gpuscale.agent.nvml.FakeNvml.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.MigDevice;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.common.testing.TestClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MIG devices of datacenter GPUs, through the binding into the fake library. GPU 2 of the fake
 * node is an H100 80GB; GPUs 0 and 1 are GeForce cards without MIG.
 */
class NvmlGpuSourceMigTest {
    private static final int H100 = 2;
    private static final long SMALL = 9_856 * MIB;
    private static final long MEDIUM = 19_968 * MIB;
    private static final long LARGE = 40_192 * MIB;

    private final TestClock clock = new TestClock(Instant.ofEpochSecond(1));
    private FakeNvml fake;
    private NvmlGpuSource source;

    @BeforeEach
    void startNode() {
        fake = FakeNvml.modern(3);
        source = new NvmlGpuSource(fake.path(), clock);
    }

    @AfterEach
    void stopNode() {
        source.close();
    }

    @Test
    void migDevicesAreEnumeratedWithProfilesInstanceIdsAndMemory() throws Exception {
        fake.migMode(H100, true)
                .addMig(H100, 0, "3g.40gb", 2, 0, LARGE, 12 * GIB)
                .addMig(H100, 1, "2g.20gb", 5, 0, MEDIUM, 3 * GIB)
                .addMig(H100, 3, "1g.10gb", 9, 0, SMALL, 0);
        source.open();

        NodeReading reading = source.read();

        long reserved = fake.migReservedBytes();
        GpuSample h100 = reading.gpus().get(H100);
        assertThat(h100.up()).isTrue();
        assertThat(h100.value(MIG_MODE_ENABLED)).isEqualTo(1);
        assertThat(h100.value(MEMORY_TOTAL_BYTES)).as("the parent keeps its own readings").isEqualTo(80 * GIB);
        assertThat(h100.migDevices()).as("slot 2 is empty and skipped; v2 used excludes reserved").containsExactly(
                new MigDevice(fake.migUuid(H100, 0), 0, 2, 0, "3g.40gb", LARGE, 12 * GIB, LARGE - 12 * GIB - reserved),
                new MigDevice(fake.migUuid(H100, 1), 1, 5, 0, "2g.20gb", MEDIUM, 3 * GIB, MEDIUM - 3 * GIB - reserved),
                new MigDevice(fake.migUuid(H100, 3), 3, 9, 0, "1g.10gb", SMALL, 0, SMALL - reserved));
        assertThat(h100.migDevices()).extracting(MigDevice::uuid).allMatch(u -> u.startsWith("MIG-"));
        assertThat(reading.gpus().get(0).migDevices()).isEmpty();
        assertThat(reading.errors()).noneMatch(e -> e.gpu() == H100 && !e.function().equals("nvmlDeviceGetFanSpeed"));
    }

    @Test
    void processesOnAMigGpuCarryTheirInstanceIds() throws Exception {
        fake.migMode(H100, true)
                .addMig(H100, 0, "3g.40gb", 2, 0, LARGE, 12 * GIB)
                .addMigProcess(H100, 4242, 12 * GIB, 2, 0)
                .addProcess(0, 77, GIB);
        source.open();

        NodeReading reading = source.read();

        assertThat(reading.gpus().get(H100).processes()).containsExactly(new GpuProcess(4242, 12 * GIB, 2, 0));
        assertThat(reading.gpus().get(0).processes()).containsExactly(new GpuProcess(77, GIB, -1, -1));
    }

    @Test
    void migDevicesAreEnumeratedAnewWhenMigIsReconfigured() throws Exception {
        fake.migMode(H100, true);
        for (int slot = 0; slot < 7; slot++) {
            fake.addMig(H100, slot, "1g.10gb", 7 + slot, 0, SMALL, slot * MIB);
        }
        source.open();
        List<MigDevice> seven = source.read().gpus().get(H100).migDevices();

        fake.clearMig(H100).addMig(H100, 0, "4g.40gb", 1, 0, LARGE, GIB).addMig(H100, 1, "3g.40gb", 2, 0, LARGE, 0);
        List<MigDevice> two = source.read().gpus().get(H100).migDevices();
        fake.migMode(H100, false);
        GpuSample off = source.read().gpus().get(H100);

        assertThat(seven).hasSize(7).extracting(MigDevice::profile).containsOnly("1g.10gb");
        assertThat(seven).extracting(MigDevice::gpuInstanceId).containsExactly(7, 8, 9, 10, 11, 12, 13);
        assertThat(seven.get(6).memoryUsedBytes()).isEqualTo(6 * MIB);
        assertThat(two).extracting(MigDevice::profile, MigDevice::gpuInstanceId)
                .containsExactly(tuple("4g.40gb", 1),
                        tuple("3g.40gb", 2));
        assertThat(two.get(0).uuid()).isEqualTo(fake.migUuid(H100, 0)).isNotEqualTo(seven.get(0).uuid());
        assertThat(off.value(MIG_MODE_ENABLED)).isZero();
        assertThat(off.migDevices()).isEmpty();
    }

    @Test
    void migMemoryWithoutPermissionIsMinusOneReportedOnceAndTheRestKept() throws Exception {
        fake.migMode(H100, true)
                .addMig(H100, 0, "3g.40gb", 2, 0, LARGE, 12 * GIB)
                .addMig(H100, 1, "3g.40gb", 1, 0, LARGE, 0)
                .forceMig("nvmlDeviceGetMemoryInfo_v2", H100, FakeNvml.NO_PERMISSION);
        source.open();

        NodeReading first = source.read();
        NodeReading second = source.read();
        fake.forceMig("nvmlDeviceGetMemoryInfo_v2", H100, 0);
        NodeReading permitted = source.read();

        GpuSample h100 = second.gpus().get(H100);
        assertThat(h100.up()).isTrue();
        assertThat(h100.value(MEMORY_TOTAL_BYTES)).isEqualTo(80 * GIB);
        assertThat(h100.migDevices()).containsExactly(
                new MigDevice(fake.migUuid(H100, 0), 0, 2, 0, "3g.40gb", -1, -1, -1),
                new MigDevice(fake.migUuid(H100, 1), 1, 1, 0, "3g.40gb", -1, -1, -1));
        assertThat(first.errors()).filteredOn(e -> e.gpu() == H100 && e.function().startsWith("nvmlDeviceGetMemory"))
                .as("once for the GPU, not once per MIG device").containsExactly(
                        new SourceError("nvmlDeviceGetMemoryInfo_v2", "NO_PERMISSION", H100));
        assertThat(second.errors()).isEmpty();
        assertThat(fake.calls("nvmlDeviceGetMemoryInfo", H100)).as("NO_PERMISSION is no reason for v1").isZero();
        assertThat(permitted.gpus().get(H100).migDevices().get(0).memoryUsedBytes()).isEqualTo(12 * GIB);
        assertThat(permitted.errors()).isEmpty();
    }

    @Test
    void aFailingMigCallCostsOnlyWhatItWouldHaveFilledIn() throws Exception {
        fake.migMode(H100, true)
                .addMig(H100, 0, "2g.20gb", 3, 0, MEDIUM, GIB)
                .addMig(H100, 1, "2g.20gb", 4, 0, MEDIUM, GIB)
                .forceMig("nvmlDeviceGetComputeInstanceId", H100, FakeNvml.NOT_SUPPORTED)
                .forceMig("nvmlDeviceGetName", H100, FakeNvml.NO_PERMISSION);
        source.open();

        NodeReading reading = source.read();

        assertThat(reading.gpus().get(H100).migDevices()).extracting(
                MigDevice::gpuInstanceId, MigDevice::computeInstanceId, MigDevice::profile, MigDevice::memoryUsedBytes)
                .containsExactly(tuple(3, -1, "", GIB),
                        tuple(4, -1, "", GIB));
        assertThat(reading.errors()).contains(
                new SourceError("nvmlDeviceGetComputeInstanceId", "NOT_SUPPORTED", H100),
                new SourceError("nvmlDeviceGetName", "NO_PERMISSION", H100));
    }

    @Test
    void aMigDeviceWhoseUuidCannotBeReadIsLeftOut() throws Exception {
        fake.migMode(H100, true).addMig(H100, 0, "7g.80gb", 0, 0, 80 * GIB, GIB)
                .forceMig("nvmlDeviceGetUUID", H100, FakeNvml.NO_PERMISSION);
        source.open();

        NodeReading reading = source.read();

        assertThat(reading.gpus().get(H100).up()).isTrue();
        assertThat(reading.gpus().get(H100).migDevices()).isEmpty();
        assertThat(reading.errors()).contains(new SourceError("nvmlDeviceGetUUID", "NO_PERMISSION", H100));
    }

    @Test
    void gpuLostWhileItsMigDevicesAreReadIsReportedDown() throws Exception {
        fake.migMode(H100, true).addMig(H100, 0, "7g.80gb", 0, 0, 80 * GIB, GIB);
        source.open();
        fake.forceMig("nvmlDeviceGetGpuInstanceId", H100, FakeNvml.GPU_IS_LOST);

        NodeReading reading = source.read();

        GpuSample h100 = reading.gpus().get(H100);
        assertThat(h100.up()).isFalse();
        assertThat(h100.downReason()).isEqualTo("GPU_IS_LOST");
        assertThat(h100.migDevices()).isEmpty();
        assertThat(reading.errors()).contains(new SourceError("nvmlDeviceGetGpuInstanceId", "GPU_IS_LOST", H100));
        assertThat(reading.gpus().get(0).up()).isTrue();
    }

    @Test
    void gpusNotInMigModeAreNotAskedForMigDevices() throws Exception {
        fake.addMig(H100, 0, "7g.80gb", 0, 0, 80 * GIB, GIB); // configured, but MIG mode is off
        source.open();

        NodeReading reading = source.read();

        assertThat(reading.gpus()).allSatisfy(g -> assertThat(g.migDevices()).isEmpty());
        assertThat(reading.gpus().get(H100).value(MIG_MODE_ENABLED)).isZero();
        assertThat(fake.calls("nvmlDeviceGetMaxMigDeviceCount")).isZero();
        assertThat(fake.calls("nvmlDeviceGetMigDeviceHandleByIndex")).isZero();
    }

    @Test
    void oldDriverReadsMigMemoryThroughV1WhereUsedIncludesReserved() throws Exception {
        source.close();
        fake = FakeNvml.legacy(3);
        fake.migMode(H100, true).addMig(H100, 0, "1g.10gb", 9, 0, SMALL, GIB);
        source = new NvmlGpuSource(fake.path(), clock);
        source.open();

        MigDevice mig = source.read().gpus().get(H100).migDevices().get(0);

        long reserved = fake.migReservedBytes();
        assertThat(mig).isEqualTo(new MigDevice(fake.migUuid(H100, 0), 0, 9, 0, "1g.10gb", SMALL, GIB + reserved,
                SMALL - GIB - reserved));
    }
}
