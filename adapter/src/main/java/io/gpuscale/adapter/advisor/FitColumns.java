package io.gpuscale.adapter.advisor;

import java.util.Arrays;

/**
 * The numbers NodeResourcesFit reads of every node of the {@link ClusterIndex}, as columns by the
 * node's position in name order: allowed and counted pods, and per resource slot allocatable and
 * requested. The filter loop then streams a few contiguous arrays instead of following three
 * objects per node (the node's usage, its requested and its allocatable vectors), which was the
 * largest part of a 5,000-node walk for a pod that fits: the walk is bound by memory reads, not
 * by arithmetic.
 *
 * <p>Only the question "does it fit" is answered here; a node that does not fit goes through
 * {@link NodeResourcesFit#check} on its objects for its reasons, so the columns decide nothing
 * the objects would decide otherwise. Not thread-safe: written under the index's write lock,
 * read under its read lock.
 */
final class FitColumns {
    private int nodes;
    private long[] allowedPods = new long[0];
    private int[] pods = new int[0];
    /** By slot, then position. */
    private long[][] allocatable = new long[0][];
    private long[][] requested = new long[0][];

    /**
     * A node came in at {@code position}: the nodes after it move up one. Columns keep spare room
     * (doubling), so that listing 5,000 nodes one event at a time moves memory, O(n) per node as
     * the index's array in name order does, and allocates little.
     */
    void insert(int position, IndexedNode node) {
        widen(node.allocatable.length);
        if (nodes == pods.length) {
            int capacity = Math.max(16, nodes * 2);
            allowedPods = Arrays.copyOf(allowedPods, capacity);
            pods = Arrays.copyOf(pods, capacity);
            for (int s = 0; s < allocatable.length; s++) {
                allocatable[s] = Arrays.copyOf(allocatable[s], capacity);
                requested[s] = Arrays.copyOf(requested[s], capacity);
            }
        }
        int after = nodes - position;
        System.arraycopy(allowedPods, position, allowedPods, position + 1, after);
        System.arraycopy(pods, position, pods, position + 1, after);
        for (int s = 0; s < allocatable.length; s++) {
            System.arraycopy(allocatable[s], position, allocatable[s], position + 1, after);
            System.arraycopy(requested[s], position, requested[s], position + 1, after);
        }
        nodes++;
        node(position, node);
    }

    /** The node at {@code position} went: the nodes after it move down one. */
    void remove(int position) {
        int after = nodes - position - 1;
        System.arraycopy(allowedPods, position + 1, allowedPods, position, after);
        System.arraycopy(pods, position + 1, pods, position, after);
        for (int s = 0; s < allocatable.length; s++) {
            System.arraycopy(allocatable[s], position + 1, allocatable[s], position, after);
            System.arraycopy(requested[s], position + 1, requested[s], position, after);
        }
        nodes--;
    }

    /** The node at {@code position} was replaced (same name): its allocatable and its usage. */
    void node(int position, IndexedNode node) {
        widen(node.allocatable.length);
        allowedPods[position] = node.allowedPods;
        for (int s = 0; s < allocatable.length; s++) {
            allocatable[s][position] = ResourceSlots.at(node.allocatable, s);
        }
        usage(position, node.usage);
    }

    /** The pods bound to the node at {@code position} changed. */
    void usage(int position, IndexedNode.NodeUsage usage) {
        widen(usage.requested.length);
        pods[position] = usage.pods;
        for (int s = 0; s < requested.length; s++) {
            requested[s][position] = ResourceSlots.at(usage.requested, s);
        }
    }

    /** Slots are never reused, only added: a new one starts at zero for every node. */
    private void widen(int width) {
        if (width <= allocatable.length) {
            return;
        }
        int old = allocatable.length;
        allocatable = Arrays.copyOf(allocatable, width);
        requested = Arrays.copyOf(requested, width);
        for (int s = old; s < width; s++) {
            allocatable[s] = new long[pods.length];
            requested[s] = new long[pods.length];
        }
    }

    /** Exactly {@link NodeResourcesFit#passes} for the node at {@code position}, from the columns. */
    boolean passes(PodQuery pod, int position) {
        if (pods[position] + 1 > allowedPods[position]) {
            return false;
        }
        if (!pod.requestsAnything) {
            return true;
        }
        for (int s = 0; s <= ResourceSlots.EPHEMERAL_STORAGE; s++) {
            if (!fits(pod, position, s)) {
                return false;
            }
        }
        for (int s : pod.scalarSlots) {
            if (!fits(pod, position, s)) {
                return false;
            }
        }
        return true;
    }

    private boolean fits(PodQuery pod, int position, int slot) {
        long want = ResourceSlots.at(pod.request, slot);
        if (want <= 0) {
            return true;
        }
        if (slot >= allocatable.length) {
            return false; // no node has any of it: allocatable 0
        }
        return want <= allocatable[slot][position] - requested[slot][position];
    }
}
