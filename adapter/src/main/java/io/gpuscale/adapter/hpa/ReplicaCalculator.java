package io.gpuscale.adapter.hpa;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HorizontalPodAutoscaler controller's replica arithmetic for custom and external metrics,
 * without I/O: what {@code kube-controller-manager} would set {@code spec.replicas} to in one
 * sync, given what the metrics APIs answered. Follows upstream's
 * {@code pkg/controller/podautoscaler/replica_calculator.go} and {@code horizontal.go}:
 *
 * <ul>
 *   <li>{@code Pods} (AverageValue): the integer mean of the returned milli-values over every
 *       returned item, pods grouped as upstream groups them (deleting or terminated: ignored;
 *       Pending: unready; listed but not returned: missing); missing pods re-filled with the
 *       target on a scale-down and 0 on a scale-up, unready pods with 0 on a scale-up, and no
 *       change if that brings the ratio within tolerance or flips the direction;
 *   <li>{@code Object} and {@code External}: Value → {@code ceil(ratio × ready pods)} (or
 *       {@code ceil(ratio)} from zero replicas); AverageValue → {@code ceil(value / target)}
 *       when {@code value / (target × status.replicas)} is outside the tolerance;
 *   <li>several metrics: the largest proposal; if one fails and the rest would scale down,
 *       nothing changes;
 *   <li>then the HPA's bounds, and the default {@code autoscaling/v2} scale-up rate limit
 *       (at most {@code max(2 × current, current + 4)} per step).
 * </ul>
 *
 * Not modelled: the downscale stabilization window (300 s by default: a scale-down takes effect
 * only once every recommendation of the last 5 minutes agrees), custom {@code behavior}
 * policies, and CPU's readiness windows (resource metrics are not ours).
 */
public final class ReplicaCalculator {
    /** {@code --horizontal-pod-autoscaler-tolerance}'s default. */
    public static final double DEFAULT_TOLERANCE = 0.1;

    private final double tolerance;

    public ReplicaCalculator() {
        this(DEFAULT_TOLERANCE);
    }

    public ReplicaCalculator(double tolerance) {
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
        }
        this.tolerance = tolerance;
    }

    /** What one metric proposes; {@code replicas} is meaningless when {@code valid} is false. */
    record Proposal(boolean valid, int replicas, String why) {
        static Proposal invalid(String why) {
            return new Proposal(false, 0, why);
        }
    }

    /** What the HPA would do with one metric. */
    public HpaDecision decide(HpaScale scale, HpaMetric metric) {
        return decide(scale, List.of(metric));
    }

    /** What the HPA would do with these metrics (the largest proposal wins). */
    public HpaDecision decide(HpaScale scale, List<? extends HpaMetric> metrics) {
        int current = scale.specReplicas();
        if (current == 0 && scale.minReplicas() != 0) {
            return new HpaDecision(0, 0, 0, false, "scaling is disabled: the target has 0 replicas");
        }
        if (current > scale.maxReplicas()) {
            return bounded(scale, scale.maxReplicas(), scale.maxReplicas(),
                    "current " + current + " is above maxReplicas " + scale.maxReplicas());
        }
        if (current < scale.minReplicas()) {
            return bounded(scale, scale.minReplicas(), scale.minReplicas(),
                    "current " + current + " is below minReplicas " + scale.minReplicas());
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("an HPA needs at least one metric");
        }
        int proposed = 0;
        int invalid = 0;
        String firstInvalid = null;
        List<String> reasons = new ArrayList<>();
        for (HpaMetric m : metrics) {
            Proposal p = propose(scale, m);
            reasons.add(m.name() + ": " + p.why());
            if (!p.valid()) {
                if (invalid++ == 0) {
                    firstInvalid = m.name() + ": " + p.why();
                }
            } else if (proposed == 0 || p.replicas() > proposed) {
                proposed = p.replicas();
            }
        }
        String why = String.join("; ", reasons);
        if (invalid == metrics.size() || (invalid > 0 && proposed < current)) {
            return new HpaDecision(current, current, current, false,
                    "no change: cannot compute " + firstInvalid
                            + (invalid < metrics.size() ? " (and the others would scale down)" : ""));
        }
        return limited(scale, proposed, why);
    }

    Proposal propose(HpaScale scale, HpaMetric metric) {
        if (metric instanceof HpaMetric.Pods p) {
            return pods(scale.specReplicas(), p);
        }
        if (metric instanceof HpaMetric.ObjectValue o) {
            return objectOrExternal(scale, o.target(), o.milliValue(), o.pods(), "value " + milli(o.milliValue()));
        }
        HpaMetric.External e = (HpaMetric.External) metric;
        if (e.milliValues().isEmpty()) {
            return Proposal.invalid("no values returned by the external metrics API");
        }
        long sum = e.milliValues().stream().mapToLong(Long::longValue).sum();
        int n = e.milliValues().size();
        return objectOrExternal(scale, e.target(), sum, e.pods(),
                "sum " + milli(sum) + " of " + n + " value" + (n == 1 ? "" : "s"));
    }

    private Proposal pods(int current, HpaMetric.Pods metric) {
        if (metric.pods().isEmpty()) {
            return Proposal.invalid("no pods returned by selector");
        }
        Set<String> unready = new HashSet<>();
        List<String> missing = new ArrayList<>();
        int ready = 0;
        Map<String, Long> values = new LinkedHashMap<>(metric.milliByPod());
        for (HpaPod pod : metric.pods()) {
            if (pod.ignored()) {
                values.remove(pod.name());
            } else if ("Pending".equals(pod.phase())) {
                unready.add(pod.name());
                values.remove(pod.name());
            } else if (!values.containsKey(pod.name())) {
                missing.add(pod.name());
            } else {
                ready++;
            }
        }
        if (values.isEmpty()) {
            return Proposal.invalid("no values for the selected pods (pods might be unready)");
        }
        long target = metric.targetAverageMilli();
        long usage = mean(values);
        double ratio = (double) usage / target;
        String seen = "mean " + milli(usage) + " of " + values.size() + " pod" + (values.size() == 1 ? "" : "s")
                + " vs target " + milli(target) + " (ratio " + ratio(ratio) + ")";
        boolean scaleUpWithUnready = !unready.isEmpty() && ratio > 1.0;
        if (!scaleUpWithUnready && missing.isEmpty()) {
            if (within(ratio)) {
                return new Proposal(true, current, seen + " within tolerance " + tolerance + ": stay " + current);
            }
            int replicas = ceil(ratio * ready);
            return new Proposal(true, replicas, seen + " → ceil(" + ratio(ratio) + " × " + ready + ") = " + replicas);
        }
        StringBuilder refill = new StringBuilder();
        if (!missing.isEmpty()) {
            long fill = ratio < 1.0 ? target : 0;
            for (String name : missing) {
                values.put(name, fill);
            }
            refill.append(missing.size()).append(" missing as ").append(milli(fill));
        }
        if (scaleUpWithUnready) {
            for (String name : unready) {
                values.put(name, 0L);
            }
            refill.append(refill.length() > 0 ? ", " : "").append(unready.size()).append(" unready as 0");
        }
        double newRatio = (double) mean(values) / target;
        String recomputed = seen + "; " + refill + " → mean " + milli(mean(values)) + " (ratio " + ratio(newRatio) + ")";
        if (within(newRatio)) {
            return new Proposal(true, current, recomputed + " within tolerance " + tolerance + ": stay " + current);
        }
        if ((ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) {
            return new Proposal(true, current, recomputed + " flips direction: stay " + current);
        }
        int replicas = ceil(newRatio * values.size());
        if ((newRatio < 1.0 && replicas > current) || (newRatio > 1.0 && replicas < current)) {
            return new Proposal(true, current, recomputed + " → ceil(" + ratio(newRatio) + " × " + values.size() + ") = "
                    + replicas + " goes the other way: stay " + current);
        }
        return new Proposal(true, replicas, recomputed + " → ceil(" + ratio(newRatio) + " × " + values.size() + ") = " + replicas);
    }

    private Proposal objectOrExternal(HpaScale scale, MetricTarget target, long usage, List<HpaPod> pods, String seen) {
        if (target.type() == MetricTarget.Type.AVERAGE_VALUE) {
            int status = scale.statusReplicas();
            double ratio = usage / ((double) target.milliValue() * status);
            String text = seen + " vs average target " + milli(target.milliValue()) + " × " + status
                    + " replicas (ratio " + ratio(ratio) + ")";
            if (within(ratio)) {
                return new Proposal(true, status, text + " within tolerance " + tolerance + ": stay " + status);
            }
            int replicas = ceil((double) usage / target.milliValue());
            return new Proposal(true, replicas, text + " → ceil(" + milli(usage) + " / " + milli(target.milliValue())
                    + ") = " + replicas);
        }
        double ratio = (double) usage / target.milliValue();
        String text = seen + " vs target " + milli(target.milliValue()) + " (ratio " + ratio(ratio) + ")";
        int current = scale.specReplicas();
        if (current == 0) {
            int replicas = ceil(ratio);
            return new Proposal(true, replicas, text + " from zero → ceil(" + ratio(ratio) + ") = " + replicas);
        }
        if (within(ratio)) {
            return new Proposal(true, current, text + " within tolerance " + tolerance + ": stay " + current);
        }
        if (pods.isEmpty()) {
            return Proposal.invalid("no pods returned by selector");
        }
        int ready = (int) pods.stream().filter(HpaPod::runningAndReady).count();
        int replicas = ceil(ratio * ready);
        return new Proposal(true, replicas, text + " → ceil(" + ratio(ratio) + " × " + ready + " ready) = " + replicas);
    }

    private HpaDecision limited(HpaScale scale, int proposed, String why) {
        int current = scale.specReplicas();
        int desired = proposed;
        String limit = "";
        int scaleUpLimit = Math.max(2 * current, current + 4);
        if (desired > scaleUpLimit) {
            desired = scaleUpLimit;
            limit = "; limited to " + scaleUpLimit + " by the default scale-up rate (max(2 × current, current + 4))";
        }
        if (desired > scale.maxReplicas()) {
            desired = scale.maxReplicas();
            limit += "; capped at maxReplicas " + scale.maxReplicas();
        } else if (desired < scale.minReplicas()) {
            desired = scale.minReplicas();
            limit += "; raised to minReplicas " + scale.minReplicas();
        }
        String verdict = desired == current ? " ⇒ stay at " + current
                : desired > current ? " ⇒ scale up " + current + " → " + desired
                : " ⇒ scale down " + current + " → " + desired + " (once the 5-minute downscale stabilization agrees)";
        return new HpaDecision(current, desired, proposed, true, why + limit + verdict);
    }

    private static HpaDecision bounded(HpaScale scale, int desired, int proposed, String why) {
        return new HpaDecision(scale.specReplicas(), desired, proposed, true,
                why + " ⇒ scale " + scale.specReplicas() + " → " + desired + " without reading metrics");
    }

    private boolean within(double ratio) {
        return Math.abs(1.0 - ratio) <= tolerance;
    }

    /** Upstream's {@code GetMetricUsageRatio}: an integer mean, truncated as Go's int64 division. */
    private static long mean(Map<String, Long> values) {
        long total = 0;
        for (long v : values.values()) {
            total += v;
        }
        return total / values.size();
    }

    private static int ceil(double x) {
        return (int) Math.ceil(x);
    }

    /** A milli-value as a decimal in the metric's own unit: 72333 → "72.333". */
    static String milli(long milliValue) {
        return BigDecimal.valueOf(milliValue, 3).stripTrailingZeros().toPlainString();
    }

    private static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.3f", ratio);
    }
}
