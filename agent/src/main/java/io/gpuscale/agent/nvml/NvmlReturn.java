package io.gpuscale.agent.nvml;

/**
 * NVML's {@code nvmlReturn_t} codes. The constant names, without NVML's {@code NVML_ERROR_}
 * prefix, are what the agent reports as {@code SourceError.code} and {@code GpuSourceException.code}.
 */
public enum NvmlReturn {
    SUCCESS(0),
    UNINITIALIZED(1),
    INVALID_ARGUMENT(2),
    NOT_SUPPORTED(3),
    NO_PERMISSION(4),
    ALREADY_INITIALIZED(5),
    NOT_FOUND(6),
    INSUFFICIENT_SIZE(7),
    INSUFFICIENT_POWER(8),
    DRIVER_NOT_LOADED(9),
    TIMEOUT(10),
    IRQ_ISSUE(11),
    LIBRARY_NOT_FOUND(12),
    FUNCTION_NOT_FOUND(13),
    CORRUPTED_INFOROM(14),
    GPU_IS_LOST(15),
    RESET_REQUIRED(16),
    OPERATING_SYSTEM(17),
    LIB_RM_VERSION_MISMATCH(18),
    IN_USE(19),
    MEMORY(20),
    NO_DATA(21),
    VGPU_ECC_NOT_SUPPORTED(22),
    INSUFFICIENT_RESOURCES(23),
    FREQ_NOT_SUPPORTED(24),
    ARGUMENT_VERSION_MISMATCH(25),
    DEPRECATED(26),
    NOT_READY(27),
    GPU_NOT_FOUND(28),
    INVALID_STATE(29),
    RESET_TYPE_NOT_SUPPORTED(30),
    UNKNOWN(999),
    /** A code newer than this enum: treated as a transient failure of one reading. */
    UNRECOGNIZED(-1);

    private static final NvmlReturn[] BY_CODE = new NvmlReturn[31];

    static {
        for (NvmlReturn r : values()) {
            if (r.code >= 0 && r.code < BY_CODE.length) {
                BY_CODE[r.code] = r;
            }
        }
    }

    private final int code;

    NvmlReturn(int code) {
        this.code = code;
    }

    /** The numeric value of {@code nvmlReturn_t}. */
    public int code() {
        return code;
    }

    public static NvmlReturn of(int code) {
        if (code >= 0 && code < BY_CODE.length) {
            return BY_CODE[code];
        }
        return code == UNKNOWN.code ? UNKNOWN : UNRECOGNIZED;
    }

    /** The GPU or driver does not have this function: leave the reading out and stop asking. */
    public boolean meansUnsupported() {
        return this == NOT_SUPPORTED || this == FUNCTION_NOT_FOUND;
    }

    /**
     * The handle or the library state is gone (the GPU fell off the bus, the driver was reloaded
     * or upgraded): NVML has to be shut down and initialized again before the GPU can be read.
     */
    public boolean needsReinit() {
        return this == GPU_IS_LOST
                || this == UNINITIALIZED
                || this == DRIVER_NOT_LOADED
                || this == LIB_RM_VERSION_MISMATCH
                || this == GPU_NOT_FOUND;
    }

    /** The whole GPU cannot be read right now, not only this one reading. */
    public boolean meansGpuDown() {
        return needsReinit() || this == UNKNOWN;
    }
}
