package io.gpuscale.agent.pods;

import java.util.Objects;

/**
 * What the agent keeps of a pod on its node: the few fields that pod attribution needs.
 *
 * @param uid the pod's UID, which its processes' cgroup paths carry
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param phase {@code Pending}, {@code Running}, {@code Succeeded}, {@code Failed} or
 *     {@code Unknown}; empty when the API server has not reported one yet
 */
public record PodInfo(String uid, String namespace, String name, String phase) {
    public PodInfo {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(phase, "phase");
    }

    /** True once the pod has Succeeded or Failed: its containers will not run again. */
    public boolean ended() {
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
