package io.gpuscale.agent.attribution;

import io.gpuscale.agent.gpu.GpuSample;
import java.util.List;

/**
 * Gathers what attribution needs besides the GPU readings — the kubelet's allocations, the pods'
 * UIDs and phases, the processes' cgroups — and attributes one sample. Called on the sampler
 * thread once per sample; never throws: without pod information it attributes nothing.
 */
public interface PodAttributor extends AutoCloseable {

    /** No pod information at all: series carry no pod labels. */
    PodAttributor NONE = gpus -> Attribution.NONE;

    Attribution attribute(List<GpuSample> gpus);

    /** Whether this attributor asks a kubelet (real or simulated) for allocations: then {@link #podResourcesUp} means something. */
    default boolean asksKubelet() {
        return false;
    }

    /** Whether the kubelet's PodResources API answered the last call (false before the first); any thread. */
    default boolean podResourcesUp() {
        return false;
    }

    @Override
    default void close() {
    }
}
