package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every node's GPU load at one moment: an immutable snapshot read from {@link GpuMetrics} in three
 * bulk calls (one per metric, all GPUs, grouped by their {@code node} label). Made by
 * {@link GpuLoadRefresher} on its own thread, never under the {@link ClusterIndex} lock; a request
 * then costs one map lookup per node and no metrics call at all.
 *
 * <p>Freshness is judged twice. When the snapshot is made, a reading older than {@code gpuMaxAge}
 * is left out. When a node is scored ({@link #at}), its load counts only while the oldest reading
 * it was made from is still within {@code gpuMaxAge}: a snapshot kept through a metrics outage
 * never lets a reading count past that age.
 */
final class GpuLoads {
    /**
     * One node's GPU load.
     *
     * @param idle {@code 1 - mean utilization / 100} over fresh readings, or NaN when unknown
     * @param freeMemory {@code 1 - sum(used) / sum(total)} over fresh readings, or NaN when unknown
     * @param oldestReadingMillis the time of the oldest reading counted in either; {@link Long#MAX_VALUE}
     *     when none was
     */
    record Load(double idle, double freeMemory, long oldestReadingMillis) {
    }

    /**
     * Numbers the snapshots, so that a node can remember its load per snapshot without holding
     * one. Declared before the first snapshot ({@link #EMPTY}) is made.
     */
    private static final AtomicLong GENERATIONS = new AtomicLong();

    /** A node the agents report no fresh GPU reading for. */
    static final Load NONE = new Load(Double.NaN, Double.NaN, Long.MAX_VALUE);

    /** No snapshot: every node's load unknown, as without metrics. */
    static final GpuLoads EMPTY = new GpuLoads(Long.MIN_VALUE, Map.of());

    /** When the read began, on the advisor's clock: readings were judged fresh as of then. */
    final long readAtMillis;
    private final Map<String, Load> byNode;
    private final long generation = GENERATIONS.incrementAndGet();

    private GpuLoads(long readAtMillis, Map<String, Load> byNode) {
        this.readAtMillis = readAtMillis;
        this.byNode = byNode;
    }

    /** A node's load in one snapshot, remembered on the node: see {@link #at(IndexedNode, long, long)}. */
    record Remembered(long generation, Load load) {
    }

    /** Reads a snapshot now: three calls to {@code metrics}, which may block (the Prometheus backend). */
    static GpuLoads read(GpuMetrics metrics, long nowMillis, long maxAgeMillis) {
        long oldest = nowMillis - maxAgeMillis;
        Map<String, Sums> util = sums(metrics, GpuScore.UTILIZATION, oldest);
        Map<String, Sums> used = sums(metrics, GpuScore.MEMORY_USED, oldest);
        Map<String, Sums> total = sums(metrics, GpuScore.MEMORY_TOTAL, oldest);
        Map<String, Load> out = new HashMap<>();
        for (Map<String, Sums> m : List.of(util, used, total)) {
            for (String node : m.keySet()) {
                out.computeIfAbsent(node, n -> load(util.get(n), used.get(n), total.get(n)));
            }
        }
        return new GpuLoads(nowMillis, Map.copyOf(out));
    }

    /**
     * The node's load for a score at {@code nowMillis}: null when the agents report no GPU reading
     * for it at all, {@link #NONE} when none of its readings is fresh any more.
     */
    Load at(String node, long nowMillis, long maxAgeMillis) {
        return fresh(byNode.get(node), nowMillis, maxAgeMillis);
    }

    /**
     * As {@link #at(String, long, long)}, the look-up by name made once per node and snapshot: a
     * request scores thousands of nodes, and a string-keyed probe each (the key, its bytes, the
     * table) was the largest part of scoring. The node keeps the answer with this snapshot's
     * number; requests that race to fill it write equal, immutable values.
     */
    Load at(IndexedNode node, long nowMillis, long maxAgeMillis) {
        Remembered r = node.gpuLoad;
        Load load;
        if (r != null && r.generation == generation) {
            load = r.load;
        } else {
            load = byNode.get(node.name);
            node.gpuLoad = new Remembered(generation, load);
        }
        return fresh(load, nowMillis, maxAgeMillis);
    }

    private static Load fresh(Load load, long nowMillis, long maxAgeMillis) {
        if (load != null && load.oldestReadingMillis != Long.MAX_VALUE
                && load.oldestReadingMillis < nowMillis - maxAgeMillis) {
            return NONE;
        }
        return load;
    }

    /** How many nodes the snapshot has a load for. */
    int nodes() {
        return byNode.size();
    }

    private static Load load(Sums u, Sums mu, Sums mt) {
        double idle = u == null || u.count == 0 ? Double.NaN : clamp(1 - u.sum / u.count / 100);
        boolean memory = mu != null && mt != null && mu.count > 0 && mt.count > 0 && mt.sum > 0;
        double free = memory ? clamp(1 - mu.sum / mt.sum) : Double.NaN;
        long oldestMillis = Long.MAX_VALUE;
        if (!Double.isNaN(idle)) {
            oldestMillis = u.oldestMillis;
        }
        if (memory) {
            oldestMillis = Math.min(oldestMillis, Math.min(mu.oldestMillis, mt.oldestMillis));
        }
        return new Load(idle, free, oldestMillis);
    }

    /** Per node, the fresh readings of one metric summed; a node with only stale readings has count 0. */
    private static final class Sums {
        double sum;
        int count;
        long oldestMillis = Long.MAX_VALUE;
    }

    private static Map<String, Sums> sums(GpuMetrics metrics, String metric, long oldestMillis) {
        Map<String, Sums> out = new HashMap<>();
        for (GpuReading r : metrics.gpus(metric)) {
            String node = r.labels().get("node");
            if (node == null) {
                continue;
            }
            Sums acc = out.computeIfAbsent(node, n -> new Sums());
            long at = r.reading().timestampMillis();
            if (at >= oldestMillis && !Double.isNaN(r.reading().value())) {
                acc.sum += r.reading().value();
                acc.count++;
                acc.oldestMillis = Math.min(acc.oldestMillis, at);
            }
        }
        return out;
    }

    private static double clamp(double x) {
        return Math.max(0, Math.min(1, x));
    }
}
