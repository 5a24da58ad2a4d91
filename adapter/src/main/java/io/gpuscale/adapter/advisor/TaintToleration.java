package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.Taint;
import io.gpuscale.adapter.cluster.Toleration;

/**
 * kube-scheduler's TaintToleration plugin.
 *
 * <p>Filter: walks the node's NoSchedule and NoExecute taints in order and fails on the first one
 * no toleration tolerates (UnschedulableAndUnresolvable). kube-scheduler names only that one; our
 * detailed reasons list every untolerated taint.
 *
 * <p>Score: the number of PreferNoSchedule taints not tolerated by the pod's tolerations with
 * effect PreferNoSchedule or empty; normalized reversed, {@code 100 - 100 * count / maxCount}
 * over the feasible nodes (all 100 when no node has any).
 *
 * <p>The filter's reason changed wording over the releases; {@link #statusReason} picks it by
 * {@link KubeVersion}.
 */
final class TaintToleration {
    static final String NAME = "TaintToleration";
    static final String REASON_UP_TO_1_17 = "node(s) had taints that the pod didn't tolerate";
    static final String REASON_FROM_1_35 = "node(s) had untolerated taint(s)";

    private TaintToleration() {
    }

    /**
     * Whether one toleration tolerates one taint ({@code v1.Toleration.ToleratesTaint}): an empty
     * effect matches every effect; an empty key (with Exists) matches every key; Exists ignores the
     * value; an empty operator means Equal; any other operator matches nothing.
     * {@code tolerationSeconds} plays no part.
     */
    static boolean tolerates(Toleration t, Taint taint) {
        if (!t.effect().isEmpty() && !t.effect().equals(taint.effect())) {
            return false;
        }
        if (!t.key().isEmpty() && !t.key().equals(taint.key())) {
            return false;
        }
        switch (t.operator()) {
            case "Exists":
                return true;
            case "", "Equal":
                return t.value().equals(taint.value());
            default:
                return false;
        }
    }

    static boolean tolerated(Toleration[] tolerations, Taint taint) {
        for (Toleration t : tolerations) {
            if (tolerates(t, taint)) {
                return true;
            }
        }
        return false;
    }

    /** The wording eras of the filter's reason: up to 1.17, 1.18 to 1.24, 1.25 to 1.34, 1.35 on. */
    static final int WORDINGS = 4;

    /** Which wording era {@code version} belongs to, 0 to {@link #WORDINGS} - 1. */
    static int wording(KubeVersion version) {
        if (!version.atLeast(1, 18)) {
            return 0;
        }
        if (!version.atLeast(1, 25)) {
            return 1;
        }
        return version.atLeast(1, 35) ? 3 : 2;
    }

    /** kube-scheduler's reason for an untolerated taint, as {@code version} words it. */
    static String statusReason(Taint taint, KubeVersion version) {
        return texts(taint)[1 + wording(version)];
    }

    /** Our detail text for an untolerated taint, then kube-scheduler's reason in each wording era. */
    static String[] texts(Taint taint) {
        String braces = "{" + taint.key() + ": " + taint.value() + "}";
        return new String[] {"untolerated taint " + describe(taint), REASON_UP_TO_1_17,
            "node(s) had taint " + braces + ", that the pod didn't tolerate", "node(s) had untolerated taint " + braces,
            REASON_FROM_1_35};
    }

    /** Adds the node's failure to {@code out} unless the pod tolerates its NoSchedule and NoExecute taints. */
    static void check(PodQuery pod, IndexedNode node, int wording, Failures out) {
        int first = -1;
        for (int i = 0; i < node.filterTaints.length; i++) {
            if (!tolerated(pod.tolerations, node.filterTaints[i])) {
                first = i;
                break;
            }
        }
        if (first < 0) {
            return;
        }
        out.failed(NAME, node.taintStatus[first][wording], true);
        out.reasons(node.taintReasons[first]);
        for (int i = first + 1; i < node.filterTaints.length; i++) {
            if (!tolerated(pod.tolerations, node.filterTaints[i])) {
                out.reasons(node.taintReasons[i]);
            }
        }
    }

    /** PreferNoSchedule taints the pod's PreferNoSchedule (or any-effect) tolerations leave untolerated. */
    static int intolerablePreferNoSchedule(PodQuery pod, IndexedNode node) {
        int count = 0;
        for (Taint taint : node.preferTaints) {
            if (!tolerated(pod.preferTolerations, taint)) {
                count++;
            }
        }
        return count;
    }

    /** {@code key=value:Effect}, as kubectl prints a taint. */
    static String describe(Taint t) {
        return t.key() + (t.value().isEmpty() ? "" : "=" + t.value()) + ":" + t.effect();
    }
}
