package io.gpuscale.agent.attribution;

import java.util.List;
import java.util.Map;

/**
 * Which pods use which GPUs in one sample.
 *
 * @param exclusiveHolders GPU or MIG UUID to the single container holding all of it; a device
 *     shared by time-slicing, or held by nobody, is not in this map
 * @param usage one entry per container and device it holds, in a stable order
 * @param allocatableDevices GPU or MIG UUID to the number of device IDs the kubelet can allocate
 *     from it (1 for a whole device, N for N time-slicing replicas); empty when not known
 */
public record Attribution(Map<String, PodRef> exclusiveHolders, List<PodGpuUsage> usage,
        Map<String, Integer> allocatableDevices) {
    public static final Attribution NONE = new Attribution(Map.of(), List.of());

    public Attribution {
        exclusiveHolders = Map.copyOf(exclusiveHolders);
        usage = List.copyOf(usage);
        allocatableDevices = Map.copyOf(allocatableDevices);
    }

    public Attribution(Map<String, PodRef> exclusiveHolders, List<PodGpuUsage> usage) {
        this(exclusiveHolders, usage, Map.of());
    }

    /** The same attribution, with what the kubelet can allocate. */
    public Attribution withAllocatable(Map<String, Integer> devices) {
        return new Attribution(exclusiveHolders, usage, devices);
    }

    public PodRef exclusiveHolder(String deviceUuid) {
        return exclusiveHolders.get(deviceUuid);
    }
}
