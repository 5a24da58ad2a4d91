package io.gpuscale.adapter.cluster;

/**
 * Told of every change to the records a {@link SchedulingView} holds, so that a consumer can keep
 * its own index up to date instead of re-reading the whole view. Called on the view's threads
 * (for informers, one thread per resource): implementations must be thread-safe and quick.
 */
public interface SchedulingListener {

    /** A node was added or changed. */
    void nodeChanged(NodeSchedulingRecord node);

    void nodeDeleted(String name);

    /** A pod was added or changed. */
    void podChanged(PodSchedulingRecord pod);

    void podDeleted(String namespace, String name);

    /** A ResourceQuota was added or changed. */
    void quotaChanged(QuotaRecord quota);

    void quotaDeleted(String namespace, String name);
}
