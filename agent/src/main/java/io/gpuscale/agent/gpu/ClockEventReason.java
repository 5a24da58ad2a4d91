package io.gpuscale.agent.gpu;

/**
 * Why the GPU's clocks are below their maximum, as the bits of
 * {@code nvmlDeviceGetCurrentClocksEventReasons} (formerly "throttle reasons").
 */
public enum ClockEventReason {
    GPU_IDLE("gpu_idle", 0x1L),
    APPLICATIONS_CLOCKS_SETTING("applications_clocks_setting", 0x2L),
    SW_POWER_CAP("sw_power_cap", 0x4L),
    HW_SLOWDOWN("hw_slowdown", 0x8L),
    SYNC_BOOST("sync_boost", 0x10L),
    SW_THERMAL_SLOWDOWN("sw_thermal_slowdown", 0x20L),
    HW_THERMAL_SLOWDOWN("hw_thermal_slowdown", 0x40L),
    HW_POWER_BRAKE_SLOWDOWN("hw_power_brake_slowdown", 0x80L),
    DISPLAY_CLOCK_SETTING("display_clock_setting", 0x100L);

    private final String label;
    private final long mask;

    ClockEventReason(String label, long mask) {
        this.label = label;
        this.mask = mask;
    }

    public String label() {
        return label;
    }

    public long mask() {
        return mask;
    }

    public boolean activeIn(long reasons) {
        return (reasons & mask) != 0;
    }
}
