package io.gpuscale.agent.pods;

import io.gpuscale.agent.pods.v1.AllocatableResourcesResponse;
import io.gpuscale.agent.pods.v1.ContainerDevices;
import io.gpuscale.agent.pods.v1.ContainerResources;
import io.gpuscale.agent.pods.v1.ListPodResourcesResponse;
import io.gpuscale.agent.pods.v1.PodResources;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns PodResources responses into GPU {@link DeviceAllocation}s: keeps GPU resources only and
 * drops entries without a name or device ID (an empty string is protobuf's missing field).
 * No I/O.
 */
public final class PodResourcesDecoder {
    /** Resource names the NVIDIA device plugin registers, besides {@code nvidia.com/mig-*}. */
    public static final Set<String> GPU_RESOURCE_NAMES = Set.of("nvidia.com/gpu", "nvidia.com/gpu.shared");
    /** Prefix of the per-profile resources of {@code MIG_STRATEGY=mixed}, e.g. {@code nvidia.com/mig-1g.10gb}. */
    public static final String MIG_RESOURCE_PREFIX = "nvidia.com/mig-";

    private final Set<String> extraResourceNames;

    /**
     * @param extraResourceNames further resource names to treat as GPUs, e.g. a time-slicing
     *     rename other than {@code nvidia.com/gpu.shared}
     */
    public PodResourcesDecoder(Set<String> extraResourceNames) {
        this.extraResourceNames = Set.copyOf(extraResourceNames);
    }

    public boolean isGpuResource(String resourceName) {
        return GPU_RESOURCE_NAMES.contains(resourceName)
                || (resourceName.startsWith(MIG_RESOURCE_PREFIX) && resourceName.length() > MIG_RESOURCE_PREFIX.length())
                || extraResourceNames.contains(resourceName);
    }

    public List<DeviceAllocation> allocations(ListPodResourcesResponse response) {
        Objects.requireNonNull(response, "response");
        List<DeviceAllocation> out = new ArrayList<>();
        for (PodResources pod : response.getPodResourcesList()) {
            if (pod.getName().isEmpty() || pod.getNamespace().isEmpty()) {
                continue;
            }
            for (ContainerResources container : pod.getContainersList()) {
                if (container.getName().isEmpty()) {
                    continue;
                }
                for (ContainerDevices devices : container.getDevicesList()) {
                    if (!isGpuResource(devices.getResourceName())) {
                        continue;
                    }
                    for (String id : devices.getDeviceIdsList()) {
                        if (!id.isEmpty()) {
                            out.add(new DeviceAllocation(pod.getNamespace(), pod.getName(), container.getName(),
                                    devices.getResourceName(), id));
                        }
                    }
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** GPU device IDs in the kubelet's order, without duplicates. */
    public Set<String> allocatableDeviceIds(AllocatableResourcesResponse response) {
        Objects.requireNonNull(response, "response");
        Set<String> out = new LinkedHashSet<>();
        for (ContainerDevices devices : response.getDevicesList()) {
            if (isGpuResource(devices.getResourceName())) {
                for (String id : devices.getDeviceIdsList()) {
                    if (!id.isEmpty()) {
                        out.add(id);
                    }
                }
            }
        }
        return Collections.unmodifiableSet(out);
    }
}
