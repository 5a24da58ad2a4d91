package io.gpuscale.agent.pods;

import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.util.Optional;

/**
 * Cuts a pod from the API server down to what the agent keeps. Pure: no I/O.
 *
 * <p>A full {@code V1Pod} retains about 14 KB of heap; the informer's cache needs only its key
 * (namespace and name) and the fields {@link PodInfo} carries, a few hundred bytes.
 */
final class NodePodProjection {
    private NodePodProjection() {
    }

    /**
     * The pod with only its name, namespace, UID, node and phase: what the informer may cache.
     * Returns a new object and leaves the given one as it was.
     */
    static V1Pod slim(V1Pod pod) {
        V1ObjectMeta meta = pod.getMetadata();
        V1Pod slim = new V1Pod();
        if (meta != null) {
            slim.setMetadata(new V1ObjectMeta().namespace(meta.getNamespace()).name(meta.getName()).uid(meta.getUid()));
        }
        if (pod.getSpec() != null) {
            slim.setSpec(new V1PodSpec().nodeName(pod.getSpec().getNodeName()));
        }
        if (pod.getStatus() != null) {
            slim.setStatus(new V1PodStatus().phase(pod.getStatus().getPhase()));
        }
        return slim;
    }

    /**
     * The pod as the agent sees it, or empty when it is not on {@code nodeName} (the field
     * selector should have left it out; this guards against a server that ignores it) or lacks
     * a name or UID.
     */
    static Optional<PodInfo> info(V1Pod pod, String nodeName) {
        V1ObjectMeta meta = pod.getMetadata();
        if (meta == null || meta.getUid() == null || meta.getNamespace() == null || meta.getName() == null) {
            return Optional.empty();
        }
        if (pod.getSpec() == null || !nodeName.equals(pod.getSpec().getNodeName())) {
            return Optional.empty();
        }
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "" : pod.getStatus().getPhase();
        return Optional.of(new PodInfo(meta.getUid(), meta.getNamespace(), meta.getName(), phase));
    }
}
