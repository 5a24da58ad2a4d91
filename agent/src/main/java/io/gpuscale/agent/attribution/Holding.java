package io.gpuscale.agent.attribution;

/**
 * One device the kubelet allocated to a container.
 *
 * @param holder the container
 * @param deviceUuid UUID of the GPU ({@code GPU-...}) or MIG device ({@code MIG-...})
 * @param replica the time-slicing replica ({@code ::N} in the device ID), or -1 for a whole device
 * @param resourceName e.g. {@code nvidia.com/gpu}, {@code nvidia.com/mig-1g.10gb}
 */
public record Holding(PodRef holder, String deviceUuid, int replica, String resourceName) {
    public boolean timeSliced() {
        return replica >= 0;
    }
}
