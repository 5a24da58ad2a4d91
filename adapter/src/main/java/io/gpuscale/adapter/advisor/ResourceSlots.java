package io.gpuscale.adapter.advisor;

import io.kubernetes.client.custom.Quantity;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives every resource NodeResourcesFit checks a fixed slot in the {@code long[]} vectors the
 * cluster index keeps per node: 0 cpu (millicores), 1 memory, 2 ephemeral-storage (bytes), then
 * each scalar resource (nvidia.com/gpu, hugepages-2Mi, ...) in the order first seen. Slots are
 * never reused, so a vector shorter than {@link #size()} just has zeros at the end. Thread-safe.
 */
final class ResourceSlots {
    static final int CPU = 0;
    static final int MEMORY = 1;
    static final int EPHEMERAL_STORAGE = 2;

    private final Map<String, Integer> slots = new ConcurrentHashMap<>();
    private volatile String[] names = {ResourceNames.CPU, ResourceNames.MEMORY, ResourceNames.EPHEMERAL_STORAGE};

    ResourceSlots() {
        slots.put(ResourceNames.CPU, CPU);
        slots.put(ResourceNames.MEMORY, MEMORY);
        slots.put(ResourceNames.EPHEMERAL_STORAGE, EPHEMERAL_STORAGE);
    }

    /** The slot of a checked resource, made on first sight; -1 for a resource NodeResourcesFit ignores. */
    int slot(String name) {
        Integer s = slots.get(name);
        if (s != null) {
            return s;
        }
        if (!ResourceNames.isScalar(name)) {
            return -1;
        }
        synchronized (this) {
            s = slots.get(name);
            if (s == null) {
                String[] grown = Arrays.copyOf(names, names.length + 1);
                grown[names.length] = name;
                s = names.length;
                names = grown;
                slots.put(name, s);
            }
            return s;
        }
    }

    /** The slot of a resource if it has one, without making one; -1 otherwise. */
    int existingSlot(String name) {
        Integer s = slots.get(name);
        return s == null ? -1 : s;
    }

    String name(int slot) {
        return names[slot];
    }

    int size() {
        return names.length;
    }

    /** A resource list as a canonical vector; resources NodeResourcesFit ignores are left out. */
    long[] vector(Map<String, Quantity> list) {
        long[] v = new long[3];
        for (Map.Entry<String, Quantity> e : list.entrySet()) {
            int s = slot(e.getKey());
            if (s < 0) {
                continue;
            }
            if (s >= v.length) {
                v = Arrays.copyOf(v, Math.max(s + 1, size()));
            }
            v[s] = ResourceNames.canonical(e.getKey(), e.getValue());
        }
        return v;
    }

    static long at(long[] v, int slot) {
        return slot < v.length ? v[slot] : 0;
    }
}
