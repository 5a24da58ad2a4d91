package io.gpuscale.agent.pods;

import java.util.List;
import java.util.Set;

/**
 * Which containers on this node hold which GPUs, as the kubelet allocated them.
 *
 * <p>Only GPU resources are reported ({@code nvidia.com/gpu}, {@code nvidia.com/gpu.shared},
 * {@code nvidia.com/mig-*}, plus names an implementation is configured with). Device IDs are
 * kept as the kubelet gives them; {@link DeviceId#parse} splits them.
 */
public interface PodDeviceSource extends AutoCloseable {
    /**
     * The current GPU allocations, one element per (container, device ID); a time-sliced
     * replica held by two pods appears once for each.
     */
    List<DeviceAllocation> list() throws PodSourceException;

    /**
     * Every GPU device ID the kubelet could allocate, including each {@code ::n} replica;
     * empty when the kubelet does not serve this (before 1.21, or with the feature gate off).
     */
    Set<String> allocatableDeviceIds() throws PodSourceException;

    /** Releases the connection and its threads; later calls fail with {@link PodSourceException#CLOSED}. */
    @Override
    void close();
}
