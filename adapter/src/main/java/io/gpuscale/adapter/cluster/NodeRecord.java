package io.gpuscale.adapter.cluster;

import java.util.Map;

/**
 * What the metrics APIs need of a node.
 *
 * @param name the node's name
 * @param labels the node's labels
 */
public record NodeRecord(String name, Map<String, String> labels) {
    public NodeRecord {
        labels = Map.copyOf(labels);
    }
}
