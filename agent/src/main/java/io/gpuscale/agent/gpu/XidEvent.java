package io.gpuscale.agent.gpu;

/**
 * A critical Xid error the driver reported for a GPU (NVML event {@code XidCriticalError}).
 *
 * @param gpuUuid the GPU it hit
 * @param xid the Xid code, e.g. 79 (fallen off the bus), 48 (double-bit ECC), 999 (unknown)
 * @param gpuInstanceId the MIG GPU instance it hit, or -1 for the whole GPU
 * @param computeInstanceId the MIG compute instance it hit, or -1 for the whole GPU
 */
public record XidEvent(String gpuUuid, long xid, int gpuInstanceId, int computeInstanceId) {
    /** The Xid a GPU that answers GPU_IS_LOST is counted under: it has fallen off the bus. */
    public static final long FALLEN_OFF_THE_BUS = 79;
}
