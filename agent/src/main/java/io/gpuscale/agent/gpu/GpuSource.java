package io.gpuscale.agent.gpu;

/**
 * The one way GPU readings enter the agent: NVML on a real node, simulated GPUs in the demo and
 * tests. Implementations are called from the sampler's single thread only.
 *
 * <p>Errors are per reading: a field the GPU does not support is left out of its sample, a GPU
 * that fails is reported down in its sample while the others keep flowing. Only when the source
 * as a whole is unusable does a call throw {@link GpuSourceException}; the caller then closes it
 * and opens it again later.
 */
public interface GpuSource extends AutoCloseable {

    /** {@code nvml} or {@code sim}. */
    String kind();

    /** Loads and initializes the source and enumerates its GPUs. */
    DriverInfo open() throws GpuSourceException;

    /** Reads every GPU once. */
    NodeReading read() throws GpuSourceException;

    /** Releases the driver promptly; safe to call when not open, and more than once. */
    @Override
    void close();
}
