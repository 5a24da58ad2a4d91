package io.gpuscale.agent.testing;

import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuSample;

/** Small GPU samples for tests. */
public final class Gpus {
    private Gpus() {
    }

    public static GpuIdentity identity(int index) {
        return new GpuIdentity(index, "GPU-00000000-0000-0000-0000-00000000000" + index,
                "NVIDIA GeForce RTX 4090", "geforce", String.format("00000000:%02X:00.0", index + 1), index, "8.9");
    }

    public static GpuSample busy(int index, int utilization) {
        return GpuSample.builder(identity(index))
                .set(GpuField.UTILIZATION_GPU_PERCENT, utilization)
                .set(GpuField.POWER_USAGE_MILLIWATTS, 312_456)
                .set(GpuField.ENERGY_MILLIJOULES, 1_234_567_890L)
                .set(GpuField.SM_CLOCK_MHZ, 2_520)
                .set(GpuField.MEMORY_USED_BYTES, 1L << 30)
                .set(GpuField.CLOCK_EVENT_REASONS, 0x4)
                .unsupported(GpuField.MIG_MODE_ENABLED)
                .build();
    }

    public static GpuSample lost(int index) {
        return GpuSample.down(identity(index), "GPU_IS_LOST", 0);
    }
}
