package io.gpuscale.agent.nvml;

import static io.gpuscale.agent.gpu.GpuField.CLOCK_EVENT_REASONS;
import static io.gpuscale.agent.gpu.GpuField.COMPUTE_PROCESSES;
import static io.gpuscale.agent.gpu.GpuField.ENERGY_MILLIJOULES;
import static io.gpuscale.agent.gpu.GpuField.FAN_SPEED_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_CLOCK_MHZ;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_FREE_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_RESERVED_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_TOTAL_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_USED_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MIG_MODE_ENABLED;
import static io.gpuscale.agent.gpu.GpuField.POWER_LIMIT_MILLIWATTS;
import static io.gpuscale.agent.gpu.GpuField.POWER_USAGE_MILLIWATTS;
import static io.gpuscale.agent.gpu.GpuField.PROCESS_UTILIZATION;
import static io.gpuscale.agent.gpu.GpuField.SM_CLOCK_MHZ;
import static io.gpuscale.agent.gpu.GpuField.TEMPERATURE_CELSIUS;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_DECODER_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_ENCODER_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_GPU_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_MEMORY_PERCENT;
import static io.gpuscale.agent.nvml.FakeNvml.GIB;
import static io.gpuscale.agent.nvml.FakeNvml.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.ProcessUtilization;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.common.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NvmlGpuSourceTest {
    private static final String RTX_4090_UUID = "GPU-5f2b1c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";

    private FakeNvml fake;
    private TestClock clock;
    private NvmlGpuSource source;

    @BeforeEach
    void startNode() {
        fake = FakeNvml.modern(2);
        clock = new TestClock(Instant.ofEpochSecond(1));
        source = new NvmlGpuSource(fake.path(), clock);
    }

    @AfterEach
    void stopNode() {
        source.close();
    }

    @Test
    void identityAndDriverVersionsAreReadOnceAtOpen() throws Exception {
        fake.setString(0, "uuid", RTX_4090_UUID);

        DriverInfo driver = source.open();
        NodeReading first = source.read();
        NodeReading second = source.read();

        assertThat(driver).isEqualTo(new DriverInfo("550.163.01", "12.550.163.01", "12.4"));
        assertThat(second.driver()).isEqualTo(driver);
        assertThat(first.gpus()).extracting(GpuSample::identity).containsExactly(
                new GpuIdentity(0, RTX_4090_UUID, "NVIDIA GeForce RTX 4090", "geforce", "00000000:01:00.0", 0, "8.9"),
                new GpuIdentity(1, second.gpus().get(1).identity().uuid(), "NVIDIA GeForce RTX 3060", "geforce",
                        "00000000:02:00.0", 1, "8.6"));
        assertThat(second.gpus().get(1).identity().uuid()).startsWith("GPU-");
        assertThat(fake.calls("nvmlDeviceGetName")).isEqualTo(2);
        assertThat(fake.calls("nvmlDeviceGetPciInfo_v3")).isEqualTo(2);
        assertThat(fake.calls("nvmlSystemGetDriverVersion")).isEqualTo(1);
    }

    @Test
    void valuesArriveInTheUnitsTheDriverReports() throws Exception {
        fake.set(0, "memory_total", 24 * GIB)
                .set(0, "memory_reserved", 512 * MIB)
                .set(0, "memory_used", 4 * GIB)
                .set(0, "utilization_gpu", 87)
                .set(0, "utilization_memory", 43)
                .set(0, "utilization_encoder", 12)
                .set(0, "utilization_decoder", 9)
                .set(0, "temperature", 61)
                .set(0, "power_usage", 285_123)
                .set(0, "power_limit", 450_000)
                .set(0, "energy", 987_654_321_012L)
                .set(0, "clock_sm", 2520)
                .set(0, "clock_memory", 10501)
                .set(0, "fan_speed", 104)
                .set(0, "clock_event_reasons", 0x4 | 0x1);
        source.open();

        GpuSample gpu = source.read().gpus().get(0);

        assertThat(gpu.up()).isTrue();
        assertThat(gpu.value(MEMORY_TOTAL_BYTES)).isEqualTo(24 * GIB);
        assertThat(gpu.value(MEMORY_RESERVED_BYTES)).isEqualTo(512 * MIB);
        assertThat(gpu.value(MEMORY_USED_BYTES)).isEqualTo(4 * GIB);
        assertThat(gpu.value(MEMORY_FREE_BYTES)).isEqualTo(24 * GIB - 4 * GIB - 512 * MIB);
        assertThat(gpu.value(UTILIZATION_GPU_PERCENT)).isEqualTo(87);
        assertThat(gpu.value(UTILIZATION_MEMORY_PERCENT)).isEqualTo(43);
        assertThat(gpu.value(UTILIZATION_ENCODER_PERCENT)).isEqualTo(12);
        assertThat(gpu.value(UTILIZATION_DECODER_PERCENT)).isEqualTo(9);
        assertThat(gpu.value(TEMPERATURE_CELSIUS)).isEqualTo(61);
        assertThat(gpu.value(POWER_USAGE_MILLIWATTS)).isEqualTo(285_123);
        assertThat(gpu.value(POWER_LIMIT_MILLIWATTS)).isEqualTo(450_000);
        assertThat(gpu.value(ENERGY_MILLIJOULES)).isEqualTo(987_654_321_012L);
        assertThat(gpu.value(SM_CLOCK_MHZ)).isEqualTo(2520);
        assertThat(gpu.value(MEMORY_CLOCK_MHZ)).isEqualTo(10501);
        assertThat(gpu.value(FAN_SPEED_PERCENT)).isEqualTo(104);
        assertThat(gpu.value(CLOCK_EVENT_REASONS)).isEqualTo(0x5);
        assertThat(gpu.value(COMPUTE_PROCESSES)).isZero();
        assertThat(fake.calls("nvmlDeviceGetMemoryInfo_v2", 0)).isEqualTo(1);
        assertThat(fake.calls("nvmlDeviceGetMemoryInfo")).isZero();
        assertThat(fake.calls("nvmlDeviceGetCurrentClocksEventReasons", 0)).isEqualTo(1);
        assertThat(fake.calls("nvmlDeviceGetCurrentClocksThrottleReasons")).isZero();
    }

    @Test
    void unsignedIntegersAboveTwoToTheThirtyOneStayPositive() throws Exception {
        fake.set(1, "power_usage", 0xFFFF_FFF0L).set(1, "clock_sm", 0x8000_0001L);
        source.open();

        GpuSample gpu = source.read().gpus().get(1);

        assertThat(gpu.value(POWER_USAGE_MILLIWATTS)).isEqualTo(4_294_967_280L);
        assertThat(gpu.value(SM_CLOCK_MHZ)).isEqualTo(2_147_483_649L);
    }

    @Test
    void unsupportedFieldIsAbsentReportedOnceAndNotAskedAgain() throws Exception {
        fake.force("nvmlDeviceGetPowerUsage", 1, FakeNvml.NOT_SUPPORTED);
        source.open();

        NodeReading first = source.read();
        NodeReading second = source.read();
        NodeReading third = source.read();

        GpuSample gpu1 = third.gpus().get(1);
        assertThat(gpu1.up()).isTrue();
        assertThat(gpu1.has(POWER_USAGE_MILLIWATTS)).isFalse();
        assertThat(gpu1.supports(POWER_USAGE_MILLIWATTS)).isFalse();
        assertThat(gpu1.has(POWER_LIMIT_MILLIWATTS)).isTrue();
        assertThat(third.gpus().get(0).has(POWER_USAGE_MILLIWATTS)).isTrue();
        assertThat(first.errors()).contains(new SourceError("nvmlDeviceGetPowerUsage", "NOT_SUPPORTED", 1));
        assertThat(second.errors()).isEmpty();
        assertThat(third.errors()).isEmpty();
        assertThat(fake.calls("nvmlDeviceGetPowerUsage", 1)).isEqualTo(1);
        assertThat(fake.calls("nvmlDeviceGetPowerUsage", 0)).isEqualTo(3);
    }

    @Test
    void geforceGpusHaveNoMigModeAndDatacenterGpusHaveNoFan() throws Exception {
        fake = FakeNvml.modern(8);
        fake.set(5, "mig_current", 1);
        source = new NvmlGpuSource(fake.path(), clock);
        source.open();

        NodeReading first = source.read();
        List<GpuSample> gpus = source.read().gpus();

        assertThat(gpus).hasSize(8);
        assertThat(gpus.get(0).supports(MIG_MODE_ENABLED)).isFalse();
        assertThat(gpus.get(0).has(FAN_SPEED_PERCENT)).isTrue();
        assertThat(gpus.get(2).identity().model()).isEqualTo("NVIDIA H100 80GB HBM3");
        assertThat(gpus.get(2).identity().brand()).isEqualTo("nvidia");
        assertThat(gpus.get(2).identity().computeCapability()).isEqualTo("9.0");
        assertThat(gpus.get(2).value(MIG_MODE_ENABLED)).isZero();
        assertThat(gpus.get(5).value(MIG_MODE_ENABLED)).isEqualTo(1);
        assertThat(gpus.get(7).value(MEMORY_TOTAL_BYTES)).isEqualTo(80 * GIB);
        assertThat(gpus.get(7).value(POWER_LIMIT_MILLIWATTS)).isEqualTo(700_000);
        assertThat(gpus.get(7).supports(FAN_SPEED_PERCENT)).isFalse();
        assertThat(first.errors()).containsExactlyInAnyOrder(
                new SourceError("nvmlDeviceGetMigMode", "NOT_SUPPORTED", 0),
                new SourceError("nvmlDeviceGetMigMode", "NOT_SUPPORTED", 1),
                new SourceError("nvmlDeviceGetFanSpeed", "NOT_SUPPORTED", 2),
                new SourceError("nvmlDeviceGetFanSpeed", "NOT_SUPPORTED", 3),
                new SourceError("nvmlDeviceGetFanSpeed", "NOT_SUPPORTED", 4),
                new SourceError("nvmlDeviceGetFanSpeed", "NOT_SUPPORTED", 5),
                new SourceError("nvmlDeviceGetFanSpeed", "NOT_SUPPORTED", 6),
                new SourceError("nvmlDeviceGetFanSpeed", "NOT_SUPPORTED", 7));
    }

    @Test
    void transientFailureLeavesOnlyThatFieldOutOfOneRead() throws Exception {
        source.open();
        fake.force("nvmlDeviceGetTemperature", 0, FakeNvml.NO_PERMISSION);

        NodeReading failed = source.read();
        fake.force("nvmlDeviceGetTemperature", 0, 0);
        NodeReading recovered = source.read();

        assertThat(failed.gpus().get(0).up()).isTrue();
        assertThat(failed.gpus().get(0).has(TEMPERATURE_CELSIUS)).isFalse();
        assertThat(failed.gpus().get(0).supports(TEMPERATURE_CELSIUS)).isTrue();
        assertThat(failed.gpus().get(0).has(POWER_USAGE_MILLIWATTS)).isTrue();
        assertThat(failed.errors()).contains(new SourceError("nvmlDeviceGetTemperature", "NO_PERMISSION", 0));
        assertThat(recovered.gpus().get(0).value(TEMPERATURE_CELSIUS)).isEqualTo(55);
        assertThat(recovered.errors()).isEmpty();
    }

    @Test
    void lostGpuIsReportedDownAndOthersKeepFlowing() throws Exception {
        source.open();
        String uuid1 = source.read().gpus().get(1).identity().uuid();

        fake.lost(1, true);
        NodeReading lost = source.read();
        fake.set(0, "power_usage", 301_000);
        clock.advanceMillis(500);
        NodeReading waiting = source.read();

        assertThat(lost.gpus().get(1).up()).isFalse();
        assertThat(lost.gpus().get(1).downReason()).isEqualTo("GPU_IS_LOST");
        assertThat(lost.gpus().get(1).identity().uuid()).isEqualTo(uuid1);
        assertThat(lost.gpus().get(1).identity().model()).isEqualTo("NVIDIA GeForce RTX 3060");
        assertThat(lost.errors()).contains(new SourceError("nvmlDeviceGetUtilizationRates", "GPU_IS_LOST", 1));
        assertThat(lost.gpus().get(0).up()).isTrue();
        assertThat(waiting.gpus().get(0).value(POWER_USAGE_MILLIWATTS)).isEqualTo(301_000);
        assertThat(waiting.gpus().get(1).downReason()).isEqualTo("GPU_IS_LOST");
        assertThat(waiting.errors()).isEmpty();
        assertThat(fake.calls("nvmlDeviceGetUtilizationRates", 1)).as("a lost GPU is not asked").isEqualTo(2);
        assertThat(fake.inits()).as("no re-init before the backoff").isEqualTo(1);

        clock.advanceMillis(500);
        NodeReading firstRetry = source.read();
        assertThat(fake.inits()).isEqualTo(2);
        assertThat(fake.shutdowns()).isEqualTo(1);
        assertThat(firstRetry.gpus().get(1).up()).isFalse();
        assertThat(firstRetry.gpus().get(0).value(POWER_USAGE_MILLIWATTS)).isEqualTo(301_000);

        clock.advanceMillis(1_900);
        source.read();
        assertThat(fake.inits()).as("the backoff doubled to 2 s").isEqualTo(2);

        fake.lost(1, false).set(1, "power_usage", 99_000);
        clock.advanceMillis(100);
        NodeReading back = source.read();
        assertThat(fake.inits()).isEqualTo(3);
        assertThat(back.gpus()).allMatch(GpuSample::up);
        assertThat(back.gpus().get(1).identity().uuid()).isEqualTo(uuid1);
        assertThat(back.gpus().get(1).value(POWER_USAGE_MILLIWATTS)).isEqualTo(99_000);
        assertThat(back.gpus().get(1).supports(MIG_MODE_ENABLED)).as("still known unsupported").isFalse();

        clock.advance(Duration.ofMinutes(5));
        source.read();
        assertThat(fake.inits()).as("no re-init once every GPU is back").isEqualTo(3);
        source.close();
        assertThat(fake.shutdowns()).isEqualTo(fake.inits());
        assertThat(fake.initRefs()).isZero();
    }

    @Test
    void gpusAreMatchedByUuidWhenIndicesMoveAfterReinit() throws Exception {
        fake = FakeNvml.modern(3);
        source = new NvmlGpuSource(fake.path(), clock);
        source.open();
        List<GpuSample> before = source.read().gpus();
        String uuidB = before.get(1).identity().uuid();
        String uuidC = before.get(2).identity().uuid();

        // B falls off the bus; after the re-init NVML enumerates A and C, C now at index 1.
        fake.lost(1, true);
        source.read();
        fake.count(2).lost(1, false)
                .setString(1, "uuid", uuidC)
                .setString(1, "name", "NVIDIA H100 80GB HBM3")
                .set(1, "power_usage", 123_000);
        clock.advance(Duration.ofSeconds(1));
        NodeReading after = source.read();

        assertThat(after.gpus()).as("B, no longer enumerated, is gone; C keeps its identity at its new index")
                .extracting(g -> g.identity().uuid(), g -> g.identity().index(), GpuSample::up)
                .containsExactly(
                        Tuple.tuple(before.get(0).identity().uuid(), 0, true),
                        Tuple.tuple(uuidC, 1, true));
        assertThat(after.gpus()).extracting(g -> g.identity().uuid()).doesNotContain(uuidB);
        GpuSample c = after.gpus().get(1);
        assertThat(c.identity().model()).isEqualTo("NVIDIA H100 80GB HBM3");
        assertThat(c.identity().pciBusId()).as("identity kept from open").isEqualTo("00000000:03:00.0");
        assertThat(c.value(POWER_USAGE_MILLIWATTS)).isEqualTo(123_000);
        assertThat(c.supports(FAN_SPEED_PERCENT)).as("what C lacks is remembered").isFalse();
        clock.advance(Duration.ofMinutes(5));
        source.read();
        assertThat(fake.inits()).as("nothing lost any more: no further re-init").isEqualTo(2);
    }

    @Test
    void aLostGpuWhoseHandleAnswersGpuIsLostStaysOneDeviceWithItsIdentity() throws Exception {
        source.open();
        List<GpuSample> before = source.read().gpus();

        // After Xid 79 a real driver still hands out the GPU's handle, but even its UUID is GPU_IS_LOST.
        fake.lostKeepingHandle(1);
        List<NodeReading> whileLost = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            whileLost.add(source.read());
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(fake.inits()).as("re-initialized while lost").isGreaterThan(2);
        for (NodeReading r : whileLost) {
            assertThat(r.gpus()).as("no second device for the lost GPU").hasSize(2);
            assertThat(r.gpus().get(1).identity()).isEqualTo(before.get(1).identity());
            assertThat(r.gpus().get(1).up()).isFalse();
            assertThat(r.gpus().get(1).downReason()).isEqualTo("GPU_IS_LOST");
            assertThat(r.gpus().get(0).up()).isTrue();
        }

        fake.lost(1, false);
        clock.advance(Duration.ofMinutes(1));
        NodeReading back = source.read();
        assertThat(back.gpus()).extracting(GpuSample::identity)
                .containsExactly(before.get(0).identity(), before.get(1).identity());
        assertThat(back.gpus()).allMatch(GpuSample::up);
        int inits = fake.inits();
        clock.advance(Duration.ofMinutes(5));
        source.read();
        assertThat(fake.inits()).as("no re-init once the GPU is back").isEqualTo(inits);
    }

    @Test
    void aLostGpuThatNvmlNoLongerEnumeratesIsDroppedAndReinitsStop() throws Exception {
        source.open();
        String uuid0 = source.read().gpus().get(0).identity().uuid();

        fake.lostKeepingHandle(1);
        source.read();
        fake.count(1);
        clock.advance(Duration.ofSeconds(1));
        NodeReading gone = source.read();

        assertThat(gone.gpus()).extracting(g -> g.identity().uuid()).containsExactly(uuid0);
        assertThat(gone.gpus()).allMatch(GpuSample::up);
        int inits = fake.inits();
        clock.advance(Duration.ofMinutes(5));
        source.read();
        assertThat(fake.inits()).as("no GPU is lost any more").isEqualTo(inits);
    }

    @Test
    void reinitBackoffDoublesUpToAMinuteWhileAGpuStaysLost() throws Exception {
        source.open();
        fake.lost(0, true);
        source.read();

        List<Integer> retrySeconds = new ArrayList<>();
        for (int second = 1; second <= 300; second++) {
            int before = fake.inits();
            clock.advance(Duration.ofSeconds(1));
            NodeReading r = source.read();
            assertThat(r.gpus().get(1).up()).isTrue();
            assertThat(r.gpus().get(0).downReason()).isEqualTo("GPU_IS_LOST");
            if (fake.inits() > before) {
                retrySeconds.add(second);
            }
        }

        assertThat(retrySeconds).containsExactly(1, 3, 7, 15, 31, 63, 123, 183, 243);
    }

    @Test
    void failedReinitThrowsSoTheSamplerReopens() throws Exception {
        source.open();
        fake.lost(1, true);
        source.read();
        fake.force("nvmlInit_v2", -1, FakeNvml.DRIVER_NOT_LOADED);
        clock.advance(Duration.ofSeconds(1));

        assertThatThrownBy(source::read)
                .isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("DRIVER_NOT_LOADED"))
                .hasMessageContaining("Driver Not Loaded");
        source.close();
        assertThat(fake.shutdowns()).isEqualTo(1);
        assertThat(fake.initRefs()).isZero();

        fake.force("nvmlInit_v2", -1, 0).lost(1, false);
        source.open();
        assertThat(source.read().gpus()).allMatch(GpuSample::up);
    }

    @Test
    void unknownErrorMarksTheGpuDownForOneReadWithoutReinit() throws Exception {
        source.open();
        fake.force("nvmlDeviceGetMemoryInfo_v2", 1, FakeNvml.UNKNOWN);

        NodeReading failed = source.read();
        fake.force("nvmlDeviceGetMemoryInfo_v2", 1, 0);
        clock.advance(Duration.ofSeconds(10));
        NodeReading next = source.read();

        assertThat(failed.gpus().get(1).up()).isFalse();
        assertThat(failed.gpus().get(1).downReason()).isEqualTo("UNKNOWN");
        assertThat(failed.gpus().get(0).up()).isTrue();
        assertThat(failed.errors()).contains(new SourceError("nvmlDeviceGetMemoryInfo_v2", "UNKNOWN", 1));
        assertThat(next.gpus()).allMatch(GpuSample::up);
        assertThat(fake.inits()).isEqualTo(1);
    }

    @Test
    void initFailingWithDriverNotLoadedIsAClearError() {
        fake.force("nvmlInit_v2", -1, FakeNvml.DRIVER_NOT_LOADED);

        assertThatThrownBy(source::open)
                .isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("DRIVER_NOT_LOADED"))
                .hasMessageContaining("nvmlInit_v2")
                .hasMessageContaining("Driver Not Loaded")
                .hasMessageContaining("kernel driver is not loaded");
        source.close();
        assertThat(fake.shutdowns()).isZero();
        assertThatThrownBy(source::read).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void missingLibraryIsReportedWithWhatToCheck() {
        NvmlGpuSource byPath = new NvmlGpuSource("/nonexistent/gpuscale/libnvidia-ml.so.1", clock);
        NvmlGpuSource byName = new NvmlGpuSource("libgpuscale-missing-nvml.so.1", clock);

        assertThatThrownBy(byPath::open)
                .isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("LIBRARY_NOT_FOUND"))
                .hasMessageContaining("/nonexistent/gpuscale/libnvidia-ml.so.1 (no such file)")
                .hasMessageContaining("NVIDIA driver")
                .hasMessageContaining("NVIDIA_VISIBLE_DEVICES")
                .hasMessageContaining("--nvml-library")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(byName::open)
                .isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("LIBRARY_NOT_FOUND"))
                .hasMessageContaining("libgpuscale-missing-nvml.so.1 not found on the library path");
        byPath.close();
        byName.close();
    }

    @Test
    void defaultLibraryIsTheVersionedNameRealNodesHave() {
        assertThat(NvmlGpuSource.DEFAULT_LIBRARY).isEqualTo("libnvidia-ml.so.1");
        assertThat(new NvmlGpuSource(null).library()).isEqualTo("libnvidia-ml.so.1");
        assertThat(new NvmlGpuSource("").kind()).isEqualTo("nvml");
    }

    @Test
    void closeShutsNvmlDownOncePerInitAndIsIdempotent() throws Exception {
        source.open();
        source.close();
        source.close();
        assertThat(fake.inits()).isEqualTo(1);
        assertThat(fake.shutdowns()).isEqualTo(1);

        source.open();
        source.open();
        source.close();
        assertThat(fake.inits()).isEqualTo(3);
        assertThat(fake.shutdowns()).isEqualTo(3);
        assertThat(fake.initRefs()).isZero();
    }

    @Test
    void computeProcessesComeFromV3WithUnavailableMemoryAsMinusOne() throws Exception {
        fake.addProcess(0, 4242, 3 * GIB).addProcess(0, 3_000_000_000L, 512 * MIB).addProcess(0, 77, -1L);
        for (int pid = 1000; pid < 1040; pid++) {
            fake.addProcess(1, pid, MIB);
        }
        source.open();

        NodeReading reading = source.read();

        GpuSample gpu0 = reading.gpus().get(0);
        assertThat(gpu0.value(COMPUTE_PROCESSES)).isEqualTo(3);
        assertThat(gpu0.processes()).containsExactly(
                new GpuProcess(4242, 3 * GIB, -1, -1),
                new GpuProcess(3_000_000_000L, 512 * MIB, -1, -1),
                new GpuProcess(77, -1, -1, -1));
        assertThat(reading.gpus().get(1).value(COMPUTE_PROCESSES)).as("more than the first buffer holds")
                .isEqualTo(40);
        assertThat(reading.gpus().get(1).processes()).hasSize(40).extracting(GpuProcess::pid)
                .startsWith(1000L, 1001L).endsWith(1039L);
        assertThat(reading.errors()).noneMatch(e -> e.function().contains("Processes"));
        assertThat(fake.calls("nvmlDeviceGetComputeRunningProcesses_v3")).isPositive();
        assertThat(fake.calls("nvmlDeviceGetComputeRunningProcesses")).isZero();
    }

    @Test
    void perProcessUtilizationAsksOnlyForSamplesNewerThanTheLastSeen() throws Exception {
        fake.addSample(0, 100, 1_000, 30, 10, 0, 0).addSample(0, 101, 2_000, 45, 20, 3, 4);
        source.open();

        GpuSample first = source.read().gpus().get(0);
        long firstLastSeen = fake.lastSeen(0);
        NodeReading quiet = source.read();
        long quietLastSeen = fake.lastSeen(0);
        fake.addSample(0, 100, 3_000, 50, 25, 0, 0);
        GpuSample third = source.read().gpus().get(0);

        assertThat(first.processUtilization()).containsExactly(
                new ProcessUtilization(100, 1_000, 30, 10, 0, 0),
                new ProcessUtilization(101, 2_000, 45, 20, 3, 4));
        assertThat(firstLastSeen).isZero();
        assertThat(quietLastSeen).isEqualTo(2_000);
        assertThat(quiet.gpus().get(0).value(PROCESS_UTILIZATION)).as("no new samples is not an error").isEqualTo(1);
        assertThat(quiet.gpus().get(0).processUtilization()).isEmpty();
        assertThat(quiet.errors()).isEmpty();
        assertThat(third.processUtilization()).containsExactly(new ProcessUtilization(100, 3_000, 50, 25, 0, 0));
        assertThat(fake.lastSeen(0)).isEqualTo(2_000);
        assertThat(fake.calls("nvmlDeviceGetProcessesUtilizationInfo", 0)).isPositive();
        assertThat(fake.calls("nvmlDeviceGetProcessUtilization")).isZero();
    }

    @Test
    void memoryV2RefusedByOneGpuFallsBackToV1ForThatGpuOnly() throws Exception {
        fake.set(1, "memory_total", 12 * GIB).set(1, "memory_reserved", 256 * MIB).set(1, "memory_used", GIB);
        fake.force("nvmlDeviceGetMemoryInfo_v2", 1, FakeNvml.FUNCTION_NOT_FOUND);
        source.open();

        NodeReading first = source.read();
        NodeReading second = source.read();

        GpuSample gpu1 = second.gpus().get(1);
        assertThat(gpu1.value(MEMORY_TOTAL_BYTES)).isEqualTo(12 * GIB);
        assertThat(gpu1.value(MEMORY_USED_BYTES)).as("v1 used includes reserved").isEqualTo(GIB + 256 * MIB);
        assertThat(gpu1.value(MEMORY_FREE_BYTES)).isEqualTo(12 * GIB - GIB - 256 * MIB);
        assertThat(gpu1.supports(MEMORY_RESERVED_BYTES)).isFalse();
        assertThat(second.gpus().get(0).has(MEMORY_RESERVED_BYTES)).isTrue();
        assertThat(first.errors()).noneMatch(e -> e.function().startsWith("nvmlDeviceGetMemoryInfo"));
        assertThat(fake.calls("nvmlDeviceGetMemoryInfo_v2", 1)).isEqualTo(1);
        assertThat(fake.calls("nvmlDeviceGetMemoryInfo", 1)).isEqualTo(2);
    }

    @Test
    void returnCodesAreNamedAndClassified() {
        assertThat(NvmlReturn.of(15)).isEqualTo(NvmlReturn.GPU_IS_LOST);
        assertThat(NvmlReturn.of(999)).isEqualTo(NvmlReturn.UNKNOWN);
        assertThat(NvmlReturn.of(31)).isEqualTo(NvmlReturn.UNRECOGNIZED);
        assertThat(NvmlReturn.of(31).meansGpuDown()).isFalse();
        assertThat(NvmlReturn.UNKNOWN.meansGpuDown()).isTrue();
        assertThat(NvmlReturn.UNKNOWN.needsReinit()).isFalse();
        assertThat(NvmlReturn.values()).filteredOn(NvmlReturn::needsReinit).containsExactlyInAnyOrder(
                NvmlReturn.GPU_IS_LOST, NvmlReturn.UNINITIALIZED, NvmlReturn.DRIVER_NOT_LOADED,
                NvmlReturn.LIB_RM_VERSION_MISMATCH, NvmlReturn.GPU_NOT_FOUND);
        assertThat(NvmlReturn.values()).filteredOn(NvmlReturn::meansUnsupported).containsExactlyInAnyOrder(
                NvmlReturn.NOT_SUPPORTED, NvmlReturn.FUNCTION_NOT_FOUND);
    }

    @Test
    void everyReadingOfAHealthyGpuIsPresent() throws Exception {
        source.open();

        GpuSample gpu = source.read().gpus().get(0);

        for (GpuField f : GpuField.all()) {
            assertThat(gpu.has(f) || f == MIG_MODE_ENABLED).as(f.key()).isTrue();
        }
    }
}
