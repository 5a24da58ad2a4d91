package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import java.util.HashMap;
import java.util.Map;

/**
 * Every node's GPU load, read from {@link GpuMetrics} in three bulk calls (one per metric, all
 * GPUs, grouped by their {@code node} label) and kept as an immutable snapshot for
 * {@link #REFRESH_MILLIS}. A request then costs one map lookup per node, never a metrics call per
 * node: with the Prometheus backend each call is an HTTP query.
 *
 * <p>Freshness is judged when the snapshot is made: a reading older than {@code gpuMaxAge} then
 * is left out. With a refresh of one second against a maximum age of tens of seconds, that is at
 * most a second late.
 */
final class GpuLoads {
    /** How long a snapshot serves: about one agent sampling interval. */
    static final long REFRESH_MILLIS = 1_000;

    /**
     * One node's GPU load.
     *
     * @param idle {@code 1 - mean utilization / 100} over fresh readings, or NaN when unknown
     * @param freeMemory {@code 1 - sum(used) / sum(total)} over fresh readings, or NaN when unknown
     */
    record Load(double idle, double freeMemory) {
    }

    /** A node the agents report no GPU reading for at all, fresh or stale. */
    static final Load NONE = new Load(Double.NaN, Double.NaN);

    private final GpuMetrics metrics;
    private final long maxAgeMillis;
    private volatile Snapshot snapshot;
    private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();

    private record Snapshot(long madeAtMillis, Map<String, Load> byNode) {
    }

    GpuLoads(GpuMetrics metrics, long maxAgeMillis) {
        this.metrics = metrics;
        this.maxAgeMillis = maxAgeMillis;
    }

    /**
     * The loads as of {@code nowMillis}: the current snapshot, or a new one when it is too old.
     * One caller makes the new one; callers meanwhile keep reading the old one rather than wait.
     */
    Map<String, Load> at(long nowMillis) {
        if (metrics == null) {
            return Map.of();
        }
        Snapshot s = snapshot;
        if (s != null && !expired(s, nowMillis)) {
            return s.byNode;
        }
        if (s != null && !refreshing.compareAndSet(false, true)) {
            return s.byNode;
        }
        if (s == null) {
            synchronized (this) {
                s = snapshot;
                if (s == null) {
                    s = new Snapshot(nowMillis, read(nowMillis));
                    snapshot = s;
                }
                return s.byNode;
            }
        }
        try {
            s = new Snapshot(nowMillis, read(nowMillis));
            snapshot = s;
            return s.byNode;
        } finally {
            refreshing.set(false);
        }
    }

    private static boolean expired(Snapshot s, long nowMillis) {
        return nowMillis - s.madeAtMillis >= REFRESH_MILLIS || nowMillis < s.madeAtMillis;
    }

    private Map<String, Load> read(long nowMillis) {
        long oldest = nowMillis - maxAgeMillis;
        Map<String, double[]> util = sums(GpuScore.UTILIZATION, oldest);
        Map<String, double[]> used = sums(GpuScore.MEMORY_USED, oldest);
        Map<String, double[]> total = sums(GpuScore.MEMORY_TOTAL, oldest);
        Map<String, Load> out = new HashMap<>();
        for (Map<String, double[]> m : java.util.List.of(util, used, total)) {
            for (String node : m.keySet()) {
                out.computeIfAbsent(node, n -> {
                    double[] u = util.get(n);
                    double[] mu = used.get(n);
                    double[] mt = total.get(n);
                    double idle = u == null || u[1] == 0 ? Double.NaN : clamp(1 - u[0] / u[1] / 100);
                    double free = mu == null || mt == null || mu[1] == 0 || mt[1] == 0 || mt[0] <= 0 ? Double.NaN
                            : clamp(1 - mu[0] / mt[0]);
                    return new Load(idle, free);
                });
            }
        }
        return Map.copyOf(out);
    }

    /** Per node: {sum of fresh values, count of fresh readings}; a node with only stale readings is listed with count 0. */
    private Map<String, double[]> sums(String metric, long oldestMillis) {
        Map<String, double[]> out = new HashMap<>();
        for (GpuReading r : metrics.gpus(metric)) {
            String node = r.labels().get("node");
            if (node == null) {
                continue;
            }
            double[] acc = out.computeIfAbsent(node, n -> new double[2]);
            if (r.reading().timestampMillis() >= oldestMillis && !Double.isNaN(r.reading().value())) {
                acc[0] += r.reading().value();
                acc[1]++;
            }
        }
        return out;
    }

    private static double clamp(double x) {
        return Math.max(0, Math.min(1, x));
    }
}
