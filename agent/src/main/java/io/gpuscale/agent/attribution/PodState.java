package io.gpuscale.agent.attribution;

/**
 * What the API server says of a pod on this node.
 *
 * @param uid the pod's UID, which its processes' cgroup paths carry
 * @param ended true once the pod is Succeeded or Failed (the kubelet may still list its devices)
 */
public record PodState(String uid, boolean ended) {
}
