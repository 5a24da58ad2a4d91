package io.gpuscale.adapter.cluster;

import io.kubernetes.client.custom.Quantity;
import java.util.Map;

/**
 * One container's resources, as kube-scheduler's {@code NodeResourcesFit} and quota admission
 * add them up.
 *
 * @param name the container's name
 * @param requests its {@code resources.requests}
 * @param limits its {@code resources.limits}
 * @param sidecar true for an init container with {@code restartPolicy: Always} (a sidecar: it
 *     keeps running, so its requests add to the regular containers')
 */
public record ContainerResources(String name, Map<String, Quantity> requests, Map<String, Quantity> limits,
        boolean sidecar) {
    public ContainerResources {
        requests = Map.copyOf(requests);
        limits = Map.copyOf(limits);
    }
}
