package io.gpuscale.agent.gpu;

/**
 * One per-process utilization sample from the driver's ring buffer.
 *
 * @param pid process id
 * @param timestampMicros CPU timestamp of the sample, microseconds since the epoch
 * @param smPercent share of time the process had kernels running on the SMs, 0-100
 * @param memoryPercent share of time the process was reading or writing device memory, 0-100
 * @param encoderPercent encoder utilization of the process, 0-100
 * @param decoderPercent decoder utilization of the process, 0-100
 */
public record ProcessUtilization(
        long pid, long timestampMicros, int smPercent, int memoryPercent, int encoderPercent, int decoderPercent) {
}
