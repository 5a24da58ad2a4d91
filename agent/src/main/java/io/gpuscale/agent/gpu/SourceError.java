package io.gpuscale.agent.gpu;

/**
 * A failed driver call seen during one read, for the agent's error counters.
 *
 * @param function the NVML function (or the simulated equivalent), e.g. {@code nvmlDeviceGetPowerUsage}
 * @param code the return code's name, e.g. {@code NOT_SUPPORTED}, {@code GPU_IS_LOST}
 * @param gpu the GPU index, or -1 for calls not tied to one GPU
 */
public record SourceError(String function, String code, int gpu) {
}
