package io.gpuscale.adapter.cluster;

import java.util.List;
import java.util.Optional;

/**
 * The one way cluster state enters the adapter: live informers, or a snapshot file for offline
 * use, the demo and tests. Reads are cheap and never block on the network.
 */
public interface ClusterView {

    /** The pods of a namespace, in name order. */
    List<PodRecord> pods(String namespace);

    Optional<PodRecord> pod(String namespace, String name);

    /** Every node, in name order. */
    List<NodeRecord> nodes();

    Optional<NodeRecord> node(String name);

    /** Whether the view has listed the cluster at least once (informers synced; a file is always). */
    boolean ready();
}
