package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.Taint;
import io.gpuscale.adapter.cluster.Toleration;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * One request's verdicts per distinct taint list ({@link NodeTaints#id}), worked out on the
     * first node that carries the list and reused for every other: nodes share a handful of
     * lists. A list outside the index (id -1) is worked out each time.
     */
    static final class Verdicts {
        private final PodQuery pod;
        /** By list number: 0 not worked out yet, 1 every filter taint tolerated, 2 + i the first untolerated is i. */
        private final int[] first;
        /** By list number: the detail reasons of every untolerated filter taint, one list. */
        private final List<Reason>[] reasons;
        /** By list number: untolerated PreferNoSchedule taints + 1; 0 not worked out yet. */
        private final int[] preferCounts;

        @SuppressWarnings("unchecked")
        Verdicts(PodQuery pod, int taintSets) {
            this.pod = pod;
            this.first = new int[taintSets];
            this.reasons = new List[taintSets];
            this.preferCounts = new int[taintSets];
        }

        /** Adds the node's failure to {@code out} unless the pod tolerates its NoSchedule and NoExecute taints. */
        void check(IndexedNode node, int wording, Failures out) {
            NodeTaints t = node.taints;
            if (t.filter.length == 0) {
                return;
            }
            int firstUntolerated;
            List<Reason> detail;
            if (t.id < 0) {
                firstUntolerated = firstUntolerated(t);
                if (firstUntolerated < 0) {
                    return;
                }
                detail = untolerated(t, firstUntolerated);
            } else {
                int known = first[t.id];
                if (known == 0) {
                    int f = firstUntolerated(t);
                    known = f + 2;
                    first[t.id] = known;
                    if (f >= 0) {
                        reasons[t.id] = untolerated(t, f);
                    }
                }
                if (known == 1) {
                    return;
                }
                firstUntolerated = known - 2;
                detail = reasons[t.id];
            }
            out.failed(NAME, t.status[firstUntolerated][wording], true);
            out.reasons(detail);
        }

        private int firstUntolerated(NodeTaints t) {
            for (int i = 0; i < t.filter.length; i++) {
                if (!tolerated(pod.tolerations, t.filter[i])) {
                    return i;
                }
            }
            return -1;
        }

        /** Every untolerated filter taint's detail, from the first: kube-scheduler names only that one. */
        private List<Reason> untolerated(NodeTaints t, int firstUntolerated) {
            List<Reason> out = null;
            for (int i = firstUntolerated + 1; i < t.filter.length; i++) {
                if (!tolerated(pod.tolerations, t.filter[i])) {
                    if (out == null) {
                        out = new ArrayList<>(t.reasons[firstUntolerated]);
                    }
                    out.addAll(t.reasons[i]);
                }
            }
            return out == null ? t.reasons[firstUntolerated] : List.copyOf(out);
        }

        /** PreferNoSchedule taints the pod's PreferNoSchedule (or any-effect) tolerations leave untolerated. */
        int intolerablePreferNoSchedule(IndexedNode node) {
            NodeTaints t = node.taints;
            if (t.prefer.length == 0) {
                return 0;
            }
            if (t.id < 0) {
                return countIntolerable(t);
            }
            if (preferCounts[t.id] == 0) {
                preferCounts[t.id] = countIntolerable(t) + 1;
            }
            return preferCounts[t.id] - 1;
        }

        private int countIntolerable(NodeTaints t) {
            int count = 0;
            for (Taint taint : t.prefer) {
                if (!tolerated(pod.preferTolerations, taint)) {
                    count++;
                }
            }
            return count;
        }
    }

    /** {@code key=value:Effect}, as kubectl prints a taint. */
    static String describe(Taint t) {
        return t.key() + (t.value().isEmpty() ? "" : "=" + t.value()) + ":" + t.effect();
    }
}
