package io.gpuscale.agent.attribution;

/**
 * A pod's use of one GPU (or MIG device) in one sample.
 *
 * @param pod the container holding the device
 * @param deviceUuid the GPU's UUID, or the MIG device's
 * @param method how the numbers were computed
 * @param utilizationPercent the pod's utilization of the device, 0-100, or -1 when unknown
 * @param memoryUsedBytes device memory the pod's processes hold, or -1 when unknown
 */
public record PodGpuUsage(
        PodRef pod, String deviceUuid, AttributionMethod method, int utilizationPercent, long memoryUsedBytes) {
}
