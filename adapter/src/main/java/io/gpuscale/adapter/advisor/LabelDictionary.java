package io.gpuscale.adapter.advisor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The node label keys and values the cluster index holds, each numbered: a node's labels become
 * one {@code int[]}, its value number per key number ({@link #ABSENT} where it lacks the key), so
 * that NodeAffinity, compiled per request against this dictionary, matches a node by array reads
 * instead of string-map look-ups and string comparisons.
 *
 * <p>Numbers are counted by the nodes that hold them and reused once no node does, so a cluster
 * whose nodes come and go (autoscaling, each with its own hostname) does not grow the dictionary
 * without end. Not thread-safe: changed under the index's write lock, read under its read lock.
 */
final class LabelDictionary {
    static final int ABSENT = -1;
    private static final int[] NO_LABELS = new int[0];

    private final Map<String, Integer> keyIds = new HashMap<>();
    /** By key number; null for a number free now. */
    private Key[] keys = new Key[16];
    private int keyBound;
    private int[] freeKeys = new int[4];
    private int freeKeyCount;

    /** One key's values, numbered. */
    private static final class Key {
        final String name;
        final Map<String, Integer> ids = new HashMap<>();
        /** By value number; null for a number free now. */
        String[] values = new String[4];
        int[] nodes = new int[4];
        int bound;
        int[] free = new int[4];
        int freeCount;
        /** The nodes that have this key, whatever the value. */
        int holders;

        Key(String name) {
            this.name = name;
        }
    }

    /** The node's label values by key number, {@link #ABSENT} where it lacks a key; counts the node in. */
    int[] add(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return NO_LABELS;
        }
        int[] keyOf = new int[labels.size()];
        int[] valueOf = new int[labels.size()];
        int n = 0;
        int length = 0;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            int k = internKey(e.getKey());
            Key key = keys[k];
            key.holders++;
            int v = internValue(key, e.getValue());
            key.nodes[v]++;
            keyOf[n] = k;
            valueOf[n] = v;
            n++;
            length = Math.max(length, k + 1);
        }
        int[] ids = new int[length];
        Arrays.fill(ids, ABSENT);
        for (int i = 0; i < n; i++) {
            ids[keyOf[i]] = valueOf[i];
        }
        return ids;
    }

    /** Counts out a node whose labels {@link #add} numbered as {@code ids}; frees numbers no node holds any more. */
    void remove(int[] ids) {
        for (int k = 0; k < ids.length; k++) {
            int v = ids[k];
            if (v == ABSENT) {
                continue;
            }
            Key key = keys[k];
            if (--key.nodes[v] == 0) {
                key.ids.remove(key.values[v]);
                key.values[v] = null;
                key.free = push(key.free, key.freeCount++, v);
            }
            if (--key.holders == 0) {
                keyIds.remove(key.name);
                keys[k] = null;
                freeKeys = push(freeKeys, freeKeyCount++, k);
            }
        }
    }

    /** A key's number, or {@link #ABSENT} when no node has that key. */
    int keyId(String key) {
        Integer k = keyIds.get(key);
        return k == null ? ABSENT : k;
    }

    /** A value's number under a key, or {@link #ABSENT} when no node has that value for that key. */
    int valueId(int key, String value) {
        if (key == ABSENT) {
            return ABSENT;
        }
        Integer v = keys[key].ids.get(value);
        return v == null ? ABSENT : v;
    }

    /** One more than the highest value number of a key: the size of a table by value number. */
    int valueBound(int key) {
        return keys[key].bound;
    }

    /** The value numbered {@code value} under {@code key}, or null for a number free now. */
    String value(int key, int value) {
        return keys[key].values[value];
    }

    /** How many numbers are in use: for tests. */
    int keysInUse() {
        return keyIds.size();
    }

    /** How many values of a key are in use: for tests. */
    int valuesInUse(String key) {
        int k = keyId(key);
        return k == ABSENT ? 0 : keys[k].ids.size();
    }

    private int internKey(String name) {
        Integer k = keyIds.get(name);
        if (k != null) {
            return k;
        }
        int id;
        if (freeKeyCount > 0) {
            id = freeKeys[--freeKeyCount];
        } else {
            id = keyBound++;
            if (id == keys.length) {
                keys = Arrays.copyOf(keys, id * 2);
            }
        }
        keys[id] = new Key(name);
        keyIds.put(name, id);
        return id;
    }

    private static int internValue(Key key, String value) {
        Integer v = key.ids.get(value);
        if (v != null) {
            return v;
        }
        int id;
        if (key.freeCount > 0) {
            id = key.free[--key.freeCount];
        } else {
            id = key.bound++;
            if (id == key.values.length) {
                key.values = Arrays.copyOf(key.values, id * 2);
                key.nodes = Arrays.copyOf(key.nodes, id * 2);
            }
        }
        key.values[id] = value;
        key.ids.put(value, id);
        return id;
    }

    private static int[] push(int[] stack, int at, int value) {
        int[] s = at == stack.length ? Arrays.copyOf(stack, at * 2) : stack;
        s[at] = value;
        return s;
    }
}
