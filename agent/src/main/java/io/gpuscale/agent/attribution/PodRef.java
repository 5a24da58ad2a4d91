package io.gpuscale.agent.attribution;

import java.util.Objects;

/**
 * A container of a pod, as the kubelet names it.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name
 * @param container the container that holds the device
 */
public record PodRef(String namespace, String pod, String container) {
    public PodRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(container, "container");
    }
}
