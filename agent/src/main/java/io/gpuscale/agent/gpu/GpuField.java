package io.gpuscale.agent.gpu;

/**
 * The scalar readings the agent takes from each GPU, each in the unit the driver reports it in
 * (the unit is part of the name). A {@link GpuSample} holds at most one value per field.
 *
 * <p>Order matters only for storage: a sample keeps its values in an array indexed by
 * {@link #ordinal()} and its presence in a bit mask, so there may be at most 64 fields.
 */
public enum GpuField {
    UTILIZATION_GPU_PERCENT("utilization_gpu"),
    UTILIZATION_MEMORY_PERCENT("utilization_memory"),
    UTILIZATION_ENCODER_PERCENT("utilization_encoder"),
    UTILIZATION_DECODER_PERCENT("utilization_decoder"),
    MEMORY_TOTAL_BYTES("memory_total"),
    MEMORY_FREE_BYTES("memory_free"),
    MEMORY_USED_BYTES("memory_used"),
    /** Only from {@code nvmlDeviceGetMemoryInfo_v2}; absent when the driver has only v1. */
    MEMORY_RESERVED_BYTES("memory_reserved"),
    TEMPERATURE_CELSIUS("temperature"),
    POWER_USAGE_MILLIWATTS("power_usage"),
    POWER_LIMIT_MILLIWATTS("power_limit"),
    /** Since the driver was loaded; resets when it is reloaded. */
    ENERGY_MILLIJOULES("energy"),
    SM_CLOCK_MHZ("clock_sm"),
    MEMORY_CLOCK_MHZ("clock_memory"),
    /** May exceed 100: it is the intended speed relative to the fan's rated noise-tolerant speed. */
    FAN_SPEED_PERCENT("fan_speed"),
    /** Bit mask of {@link ClockEventReason}s. */
    CLOCK_EVENT_REASONS("clock_event_reasons"),
    /** 1 when MIG mode is currently enabled, 0 when disabled; absent on GPUs without MIG. */
    MIG_MODE_ENABLED("mig_mode"),
    /** Number of compute processes holding a context on the GPU. */
    COMPUTE_PROCESSES("compute_processes"),
    /** 1 when per-process utilization samples can be read from this GPU. */
    PROCESS_UTILIZATION("process_utilization");

    private static final GpuField[] VALUES = values();

    private final String key;

    GpuField(String key) {
        this.key = key;
    }

    /** Stable snake_case name, used as the {@code field} label value. */
    public String key() {
        return key;
    }

    public long bit() {
        return 1L << ordinal();
    }

    public static GpuField[] all() {
        return VALUES.clone();
    }

    static int count() {
        return VALUES.length;
    }

    static GpuField at(int ordinal) {
        return VALUES[ordinal];
    }
}
