package io.gpuscale.agent.pods;

import java.util.Objects;

/**
 * One device that the kubelet allocated to a container, as the kubelet reports it.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name (the kubelet does not report the pod's UID)
 * @param container the container's name
 * @param resourceName the extended resource, e.g. {@code nvidia.com/gpu}, {@code nvidia.com/mig-1g.10gb}
 * @param deviceId the device ID exactly as the device plugin gave it: {@code GPU-<uuid>},
 *     {@code GPU-<uuid>::3} for a time-sliced replica, {@code MIG-<uuid>}; see {@link DeviceId#parse}
 */
public record DeviceAllocation(String namespace, String pod, String container, String resourceName, String deviceId) {
    public DeviceAllocation {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(deviceId, "deviceId");
    }
}
