package io.gpuscale.agent.attribution;

/**
 * A pod's namespace and name: how the kubelet and the API server both name it, and the key of
 * the pod states attribution looks up. A record rather than a {@code "ns/name"} string, so that a
 * lookup builds no string.
 */
public record PodName(String namespace, String name) {
    public static PodName of(PodRef pod) {
        return new PodName(pod.namespace(), pod.pod());
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
