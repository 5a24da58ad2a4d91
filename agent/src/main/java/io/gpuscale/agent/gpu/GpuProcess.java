package io.gpuscale.agent.gpu;

/**
 * A compute process with a context on a GPU.
 *
 * @param pid process id in the host PID namespace (the agent runs with {@code hostPID})
 * @param usedMemoryBytes GPU memory the process holds, or -1 when the driver does not say
 * @param gpuInstanceId MIG GPU instance, or -1 when the GPU is not in MIG mode
 * @param computeInstanceId MIG compute instance, or -1 when the GPU is not in MIG mode
 */
public record GpuProcess(long pid, long usedMemoryBytes, int gpuInstanceId, int computeInstanceId) {
}
