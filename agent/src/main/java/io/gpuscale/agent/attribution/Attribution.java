package io.gpuscale.agent.attribution;

import java.util.List;
import java.util.Map;

/**
 * Which pods use which GPUs in one sample.
 *
 * @param exclusiveHolders GPU or MIG UUID to the single container holding all of it; a device
 *     shared by time-slicing, or held by nobody, is not in this map
 * @param usage one entry per container and device it holds, in a stable order
 */
public record Attribution(Map<String, PodRef> exclusiveHolders, List<PodGpuUsage> usage) {
    public static final Attribution NONE = new Attribution(Map.of(), List.of());

    public Attribution {
        exclusiveHolders = Map.copyOf(exclusiveHolders);
        usage = List.copyOf(usage);
    }

    public PodRef exclusiveHolder(String deviceUuid) {
        return exclusiveHolders.get(deviceUuid);
    }
}
