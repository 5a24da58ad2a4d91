package io.gpuscale.agent.nvml;

import static io.gpuscale.agent.gpu.GpuField.CLOCK_EVENT_REASONS;
import static io.gpuscale.agent.gpu.GpuField.COMPUTE_PROCESSES;
import static io.gpuscale.agent.gpu.GpuField.ENERGY_MILLIJOULES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_FREE_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_RESERVED_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_TOTAL_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_USED_BYTES;
import static io.gpuscale.agent.gpu.GpuField.POWER_USAGE_MILLIWATTS;
import static io.gpuscale.agent.nvml.FakeNvml.GIB;
import static io.gpuscale.agent.nvml.FakeNvml.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.ProcessUtilization;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.common.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Drivers that lack symbols: an old one (R470) without the _v2 memory and _v2/_v3 process symbols
 * and ClocksEventReasons, and one without a function that has no fallback. The binding is rebound
 * to each library in this JVM, which also shows that a source can move from one library to another
 * once the first is released.
 */
class NvmlGpuSourceLegacyDriverTest {
    private final TestClock clock = new TestClock(Instant.ofEpochSecond(1));
    private NvmlGpuSource legacy;
    private NvmlGpuSource modern;

    @AfterEach
    void closeSources() {
        if (legacy != null) {
            legacy.close();
        }
        if (modern != null) {
            modern.close();
        }
    }

    @Test
    void oldDriverReadsMemoryAndProcessesThroughTheV1Functions() throws Exception {
        FakeNvml fake = FakeNvml.legacy(2);
        fake.set(0, "memory_total", 24 * GIB).set(0, "memory_reserved", 434 * MIB).set(0, "memory_used", 3 * GIB)
                .set(0, "clock_event_reasons", 0x20)
                .addProcess(0, 4242, 3 * GIB).addProcess(0, 4343, -1L)
                .addSample(0, 4242, 5_000, 70, 30, 0, 0);
        legacy = new NvmlGpuSource(fake.path(), clock);
        legacy.open();

        NodeReading first = legacy.read();
        NodeReading second = legacy.read();

        GpuSample gpu = first.gpus().get(0);
        assertThat(gpu.up()).isTrue();
        assertThat(gpu.value(MEMORY_TOTAL_BYTES)).isEqualTo(24 * GIB);
        assertThat(gpu.value(MEMORY_FREE_BYTES)).isEqualTo(24 * GIB - 3 * GIB - 434 * MIB);
        assertThat(gpu.value(MEMORY_USED_BYTES)).as("v1 used includes reserved").isEqualTo(3 * GIB + 434 * MIB);
        assertThat(gpu.has(MEMORY_RESERVED_BYTES)).isFalse();
        assertThat(gpu.supports(MEMORY_RESERVED_BYTES)).isFalse();
        assertThat(gpu.value(CLOCK_EVENT_REASONS)).isEqualTo(0x20);
        assertThat(gpu.value(COMPUTE_PROCESSES)).isEqualTo(2);
        assertThat(gpu.processes()).containsExactly(
                new GpuProcess(4242, 3 * GIB, -1, -1), new GpuProcess(4343, -1, -1, -1));
        assertThat(gpu.processUtilization()).containsExactly(new ProcessUtilization(4242, 5_000, 70, 30, 0, 0));
        assertThat(second.gpus().get(0).processUtilization()).isEmpty();
        assertThat(fake.lastSeen(0)).isEqualTo(5_000);
        assertThat(first.errors()).as("every missing symbol has a fallback").containsExactlyInAnyOrder(
                new SourceError("nvmlDeviceGetMigMode", "NOT_SUPPORTED", 0),
                new SourceError("nvmlDeviceGetMigMode", "NOT_SUPPORTED", 1));
        assertThat(second.errors()).isEmpty();
        assertThat(fake.calls("nvmlDeviceGetMemoryInfo", 0)).isEqualTo(2);
        assertThat(fake.calls("nvmlDeviceGetComputeRunningProcesses", 0)).isPositive();
        assertThat(fake.calls("nvmlDeviceGetCurrentClocksThrottleReasons", 0)).isEqualTo(2);
        assertThat(fake.calls("nvmlDeviceGetProcessUtilization", 0)).isEqualTo(2);
    }

    @Test
    void aMissingFunctionWithoutFallbackDegradesOnlyItsReading() throws Exception {
        FakeNvml fake = FakeNvml.sparse(2);
        legacy = new NvmlGpuSource(fake.path(), clock);
        legacy.open();

        NodeReading first = legacy.read();
        NodeReading second = legacy.read();

        GpuSample gpu = second.gpus().get(1);
        assertThat(gpu.up()).isTrue();
        assertThat(gpu.supports(ENERGY_MILLIJOULES)).isFalse();
        assertThat(gpu.has(POWER_USAGE_MILLIWATTS)).isTrue();
        assertThat(gpu.has(MEMORY_RESERVED_BYTES)).isTrue();
        assertThat(first.errors()).contains(
                new SourceError("nvmlDeviceGetTotalEnergyConsumption", "FUNCTION_NOT_FOUND", 0),
                new SourceError("nvmlDeviceGetTotalEnergyConsumption", "FUNCTION_NOT_FOUND", 1));
        assertThat(second.errors()).isEmpty();
    }

    @Test
    void aDriverWithoutTheEventApiHasNoXidEventsButKeepsReading() throws Exception {
        FakeNvml fake = FakeNvml.sparse(2);
        legacy = new NvmlGpuSource(fake.path(), clock);
        legacy.open();

        NodeReading first = legacy.read();
        long start = System.nanoTime();
        assertThatThrownBy(() -> legacy.awaitXidEvents(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(GpuSourceException.class, e -> assertThat(e.code()).isEqualTo("NOT_SUPPORTED"))
                .hasMessageContaining("nvmlEventSetCreate");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        NodeReading second = legacy.read();

        assertThat(millis).as("fails at once, does not wait").isLessThan(2_000);
        assertThat(first.errors()).contains(new SourceError("nvmlEventSetCreate", "FUNCTION_NOT_FOUND", -1));
        assertThat(second.gpus()).allMatch(GpuSample::up);
        assertThat(second.errors()).isEmpty();
        legacy.close();
        assertThatThrownBy(() -> legacy.awaitXidEvents(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(GpuSourceException.class, e -> assertThat(e.code()).isEqualTo("NOT_OPEN"));
    }

    @Test
    void aLibraryThatIsNotNvmlIsRefusedAndLeavesNothingHalfBound() throws Exception {
        FakeNvml fake = FakeNvml.modern(2);
        modern = new NvmlGpuSource(fake.path(), clock);
        modern.open();
        modern.close();
        legacy = new NvmlGpuSource("libc.so.6", clock);

        assertThatThrownBy(legacy::open)
                .isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("FUNCTION_NOT_FOUND"))
                .hasMessageContaining("lacks nvmlInit_v2");

        modern.open();
        assertThat(modern.read().gpus()).hasSize(2).allMatch(GpuSample::up);
    }

    @Test
    void anotherLibraryIsRefusedWhileOneIsInUseAndBoundOnceReleased() throws Exception {
        FakeNvml old = FakeNvml.legacy(2);
        legacy = new NvmlGpuSource(old.path(), clock);
        legacy.open();
        FakeNvml current = FakeNvml.modern(2);
        modern = new NvmlGpuSource(current.path(), clock);

        assertThatThrownBy(modern::open)
                .isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("LIBRARY_IN_USE"));

        legacy.close();
        modern.open();
        GpuSample gpu = modern.read().gpus().get(0);
        assertThat(gpu.has(MEMORY_RESERVED_BYTES)).isTrue();
        assertThat(gpu.has(POWER_USAGE_MILLIWATTS)).isTrue();
        assertThat(current.calls("nvmlDeviceGetMemoryInfo_v2", 0)).isEqualTo(1);
        assertThat(old.shutdowns()).isEqualTo(1);
        assertThat(old.initRefs()).isZero();
    }
}
