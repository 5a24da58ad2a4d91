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

    /** Made anew for the nodes now in the index, in name order (a node came or went). */
    void rebuild(IndexedNode[] inOrder, int width) {
        nodes = inOrder.length;
        allowedPods = new long[nodes];
        pods = new int[nodes];
        allocatable = new long[width][nodes];
        requested = new long[width][nodes];
        for (int i = 0; i < nodes; i++) {
            node(i, inOrder[i]);
        }
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
            allocatable[s] = new long[nodes];
            requested[s] = new long[nodes];
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
