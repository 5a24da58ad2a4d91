package io.gpuscale.agent.gpu;

/**
 * A MIG device (a GPU instance with one compute instance) carved out of a GPU in MIG mode.
 * NVML reports memory for MIG devices but no utilization (that needs GPM profiling).
 *
 * @param uuid e.g. {@code MIG-7b0c...}; what the device plugin hands to pods
 * @param index the MIG device's index on its parent GPU
 * @param gpuInstanceId the GPU instance
 * @param computeInstanceId the compute instance
 * @param profile e.g. {@code 1g.10gb}, or empty when the name does not say
 * @param memoryTotalBytes memory of the instance, or -1 when unknown
 * @param memoryUsedBytes memory in use, or -1 when unknown
 * @param memoryFreeBytes memory free, or -1 when unknown
 */
public record MigDevice(
        String uuid,
        int index,
        int gpuInstanceId,
        int computeInstanceId,
        String profile,
        long memoryTotalBytes,
        long memoryUsedBytes,
        long memoryFreeBytes) {

    /** The profile in a MIG device name such as {@code NVIDIA H100 80GB HBM3 MIG 1g.10gb}. */
    public static String profileOf(String name) {
        int at = name.lastIndexOf("MIG ");
        return at < 0 ? "" : name.substring(at + 4).trim();
    }
}
