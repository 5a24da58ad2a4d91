package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.Taint;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct taint lists of the index's nodes, each a shared, numbered {@link NodeTaints}:
 * thousands of nodes carry a handful of lists (none, a dedicated pool's, a GPU taint). Counted by
 * the nodes that carry them; a number no node uses is reused. Not thread-safe: changed under the
 * index's write lock, read under its read lock.
 */
final class TaintSets {
    private final Map<List<Taint>, NodeTaints> byTaints = new HashMap<>();
    private int[] nodes = new int[8];
    private int bound;
    private int[] free = new int[4];
    private int freeCount;

    /** The shared taints for a node's list; counts the node in. */
    NodeTaints add(List<Taint> taints) {
        NodeTaints t = byTaints.get(taints);
        if (t == null) {
            int id;
            if (freeCount > 0) {
                id = free[--freeCount];
            } else {
                id = bound++;
                if (id == nodes.length) {
                    nodes = Arrays.copyOf(nodes, id * 2);
                }
            }
            t = new NodeTaints(List.copyOf(taints), id);
            byTaints.put(t.all, t);
        }
        nodes[t.id]++;
        return t;
    }

    /** Counts out a node that carried {@code t}. */
    void remove(NodeTaints t) {
        if (--nodes[t.id] == 0) {
            byTaints.remove(t.all);
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = t.id;
        }
    }

    /** One more than the highest number: the size of a table by number. */
    int bound() {
        return bound;
    }

    /** How many distinct lists are in use: for tests. */
    int inUse() {
        return byTaints.size();
    }
}
