package io.gpuscale.adapter.advisor;

import io.kubernetes.client.custom.Quantity;
import java.util.Arrays;
import java.util.List;
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
    /** Replaced whole when a slot is added: a reader sees a name and its status list together. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private volatile Names names = new Names(new String[0], new List[0]).with(ResourceNames.CPU)
            .with(ResourceNames.MEMORY).with(ResourceNames.EPHEMERAL_STORAGE);

    /**
     * Per slot, the resource's name and NodeResourcesFit's status reasons for a node short of it
     * alone, {@code ["Insufficient <name>"]}, made once: a failing node shares the list.
     */
    private record Names(String[] names, List<String>[] insufficient) {
        @SuppressWarnings("unchecked")
        Names with(String name) {
            String[] n = Arrays.copyOf(names, names.length + 1);
            List<String>[] i = Arrays.copyOf(insufficient, insufficient.length + 1);
            n[names.length] = name;
            i[names.length] = List.of("Insufficient " + name);
            return new Names(n, i);
        }
    }

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
                Names grown = names.with(name);
                s = grown.names.length - 1;
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
        return names.names[slot];
    }

    /** NodeResourcesFit's status reasons for a node short of this resource alone: one shared immutable list. */
    List<String> insufficient(int slot) {
        return names.insufficient[slot];
    }

    int size() {
        return names.names.length;
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
