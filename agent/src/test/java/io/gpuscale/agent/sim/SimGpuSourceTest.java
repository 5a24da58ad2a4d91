package io.gpuscale.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.common.testing.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimGpuSourceTest {

    @Test
    void readingsFollowTheLoadAndTheProfile() {
        TestClock clock = new TestClock();
        SimGpuSource source = new SimGpuSource(SimSpec.parse("rtx4090@steady:100,h100@idle"), clock);
        source.open();
        clock.advance(Duration.ofSeconds(10));
        NodeReading r = source.read();

        GpuSample busy = r.gpus().get(0);
        assertThat(busy.identity().model()).isEqualTo("NVIDIA GeForce RTX 4090");
        assertThat(busy.value(GpuField.UTILIZATION_GPU_PERCENT)).isEqualTo(100);
        assertThat(busy.value(GpuField.POWER_USAGE_MILLIWATTS)).isEqualTo(450_000);
        assertThat(busy.value(GpuField.MEMORY_TOTAL_BYTES)).isEqualTo(25_757_220_864L);
        assertThat(busy.value(GpuField.MEMORY_USED_BYTES) + busy.value(GpuField.MEMORY_FREE_BYTES)
                + busy.value(GpuField.MEMORY_RESERVED_BYTES)).isEqualTo(busy.value(GpuField.MEMORY_TOTAL_BYTES));
        // 450 W for 10 s is 4500 J.
        assertThat(busy.value(GpuField.ENERGY_MILLIJOULES)).isEqualTo(4_500_000);
        assertThat(busy.has(GpuField.FAN_SPEED_PERCENT)).isTrue();
        assertThat(busy.supports(GpuField.MIG_MODE_ENABLED)).isFalse();
        assertThat(busy.processes()).hasSize(1);

        GpuSample idle = r.gpus().get(1);
        assertThat(idle.value(GpuField.UTILIZATION_GPU_PERCENT)).isZero();
        assertThat(idle.supports(GpuField.FAN_SPEED_PERCENT)).as("an H100 is passively cooled").isFalse();
        assertThat(idle.has(GpuField.FAN_SPEED_PERCENT)).isFalse();
        assertThat(idle.value(GpuField.MIG_MODE_ENABLED)).isZero();
        assertThat(idle.processes()).isEmpty();
    }

    @Test
    void sameTimeGivesSameReadings() {
        TestClock c1 = new TestClock();
        TestClock c2 = new TestClock();
        SimGpuSource a = new SimGpuSource(SimSpec.parse("rtx4090x2,rtx3060@burst"), c1);
        SimGpuSource b = new SimGpuSource(SimSpec.parse("rtx4090x2,rtx3060@burst"), c2);
        a.open();
        b.open();
        c1.advance(Duration.ofSeconds(37));
        c2.advance(Duration.ofSeconds(37));
        assertThat(a.read().gpus().toString()).isEqualTo(b.read().gpus().toString());
    }
}
