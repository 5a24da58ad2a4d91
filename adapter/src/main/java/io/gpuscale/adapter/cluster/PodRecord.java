package io.gpuscale.adapter.cluster;

import java.util.Map;

/**
 * What the metrics APIs need of a pod: who it is, its labels (HPA selectors match these), and
 * where it runs. Slim on purpose: informers project every {@code V1Pod} to this.
 *
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param uid the pod's UID
 * @param labels the pod's labels
 * @param nodeName the node it is scheduled to, or empty while pending
 * @param phase Pending, Running, Succeeded, Failed or Unknown
 */
public record PodRecord(String namespace, String name, String uid, Map<String, String> labels, String nodeName,
        String phase) {
    public PodRecord {
        labels = Map.copyOf(labels);
    }
}
