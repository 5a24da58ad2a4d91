package io.gpuscale.agent.sample;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts Xid errors per GPU and Xid code, from the event thread and the sampler alike, since
 * the agent started. Read into each snapshot.
 */
public final class XidCounter {
    private record Key(String gpuUuid, long xid) {
    }

    private final ConcurrentHashMap<Key, AtomicLong> counts = new ConcurrentHashMap<>();

    /** Counts one error; returns the new count. */
    public long count(String gpuUuid, long xid) {
        return counts.computeIfAbsent(new Key(gpuUuid, xid), k -> new AtomicLong()).incrementAndGet();
    }

    /** GPU UUID to Xid code to count; an immutable copy. */
    public Map<String, Map<Long, Long>> snapshot() {
        if (counts.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<Long, Long>> out = new HashMap<>();
        counts.forEach((k, v) -> out.computeIfAbsent(k.gpuUuid(), u -> new HashMap<>()).put(k.xid(), v.get()));
        Map<String, Map<Long, Long>> frozen = new HashMap<>();
        out.forEach((uuid, byXid) -> frozen.put(uuid, Map.copyOf(byXid)));
        return Map.copyOf(frozen);
    }
}
