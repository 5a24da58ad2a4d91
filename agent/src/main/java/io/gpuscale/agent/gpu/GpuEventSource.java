package io.gpuscale.agent.gpu;

import java.time.Duration;
import java.util.List;

/**
 * A GPU source that can also report driver events. Waiting blocks, so a dedicated thread calls
 * {@link #awaitXidEvents}; it must not hold up {@link GpuSource#read()} on the sampler thread.
 */
public interface GpuEventSource {

    /**
     * Waits up to {@code timeout} for critical Xid errors on any GPU and returns those that
     * arrived, possibly none.
     *
     * @throws GpuSourceException when events cannot be read now (source closed or re-initializing,
     *     events unsupported); the caller backs off and tries again
     */
    List<XidEvent> awaitXidEvents(Duration timeout) throws GpuSourceException;
}
