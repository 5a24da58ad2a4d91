package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import io.kubernetes.client.openapi.models.V1NodeSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import io.kubernetes.client.openapi.models.V1PreferredSchedulingTerm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kube-scheduler's NodeAffinity plugin, compiled once per pod.
 *
 * <p>Filter: {@code spec.nodeSelector} (every pair must equal the node's label) AND the required
 * node affinity terms (ORed; a term's expressions and fields ANDed; an empty term matches
 * nothing). Skipped, as kube-scheduler's PreFilter skips it, when the pod has neither.
 *
 * <p>PreFilter: when every required term pins {@code metadata.name} with In, only the union of
 * those names is filtered at all; every other node gets {@code node(s) didn't satisfy plugin(s)
 * [NodeAffinity]} without any other check. An empty union fails the whole pod with
 * {@code pod affinity terms conflict}.
 *
 * <p>Score: the sum of the weights of the matching preferred terms (weight 0 and empty terms
 * ignored), normalized to {@code 100 * raw / max} over the feasible nodes.
 */
final class NodeAffinity {
    static final String NAME = "NodeAffinity";
    static final String REASON = "node(s) didn't match Pod's node affinity/selector";
    static final String REASON_CONFLICT = "pod affinity terms conflict";
    static final String REASON_PREFILTER = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

    /** Whether the filter runs at all (PreFilter did not return Skip). */
    final boolean active;
    private final Map<String, String> nodeSelector;
    /** Null when the pod has no required node affinity. */
    private final List<NodeSelectorTerm> required;
    private final List<NodeSelectorTerm> preferred;
    private final int[] preferredWeights;
    /** Null: every node is filtered; else only these (PreFilterResult). */
    final Set<String> pinned;
    /** PreFilter rejects the pod outright. */
    final boolean conflict;

    NodeAffinity(PodSchedulingRecord pod) {
        V1NodeAffinity affinity = pod.nodeAffinity();
        boolean hasRequired = affinity != null && affinity.getRequiredDuringSchedulingIgnoredDuringExecution() != null;
        this.nodeSelector = pod.nodeSelector();
        this.active = hasRequired || !nodeSelector.isEmpty();
        List<V1NodeSelectorTerm> terms = hasRequired
                ? orEmpty(affinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
                : List.of();
        if (hasRequired) {
            List<NodeSelectorTerm> parsed = new ArrayList<>();
            for (V1NodeSelectorTerm t : terms) {
                if (!NodeSelectorTerm.isEmpty(t)) {
                    parsed.add(NodeSelectorTerm.parse(t));
                }
            }
            this.required = List.copyOf(parsed);
        } else {
            this.required = null;
        }
        this.pinned = hasRequired ? pinnedNames(terms) : null;
        this.conflict = pinned != null && pinned.isEmpty();
        List<NodeSelectorTerm> pref = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        if (affinity != null && affinity.getPreferredDuringSchedulingIgnoredDuringExecution() != null) {
            for (V1PreferredSchedulingTerm p : affinity.getPreferredDuringSchedulingIgnoredDuringExecution()) {
                if (p.getWeight() == null || p.getWeight() == 0 || NodeSelectorTerm.isEmpty(p.getPreference())) {
                    continue;
                }
                NodeSelectorTerm t = NodeSelectorTerm.parse(p.getPreference());
                if (t.parseError == null) {
                    pref.add(t);
                    weights.add(p.getWeight());
                }
            }
        }
        this.preferred = List.copyOf(pref);
        this.preferredWeights = weights.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The PreFilterResult: null when some term has no {@code metadata.name In} field (all nodes
     * eligible); else the union over terms of each term's intersection of named nodes.
     */
    private static Set<String> pinnedNames(List<V1NodeSelectorTerm> terms) {
        Set<String> union = null;
        for (V1NodeSelectorTerm t : terms) {
            Set<String> termNames = null;
            for (V1NodeSelectorRequirement r : orEmpty(t.getMatchFields())) {
                if ("metadata.name".equals(r.getKey()) && "In".equals(r.getOperator())) {
                    Set<String> s = new HashSet<>(orEmpty(r.getValues()));
                    if (termNames == null) {
                        termNames = s;
                    } else {
                        termNames.retainAll(s);
                    }
                }
            }
            if (termNames == null) {
                return null;
            }
            if (union == null) {
                union = new HashSet<>();
            }
            union.addAll(termNames);
        }
        return union;
    }

    /** Whether the node passes the filter (true when it does not run). */
    boolean passes(IndexedNode node) {
        if (!active) {
            return true;
        }
        for (Map.Entry<String, String> e : nodeSelector.entrySet()) {
            if (!e.getValue().equals(node.labels.get(e.getKey()))) {
                return false;
            }
        }
        if (required == null) {
            return true;
        }
        for (NodeSelectorTerm t : required) {
            if (t.matches(node.labels, node.name)) {
                return true;
            }
        }
        return false;
    }

    /** Null when the node passes. */
    Failure check(IndexedNode node) {
        if (passes(node)) {
            return null;
        }
        List<Reason> reasons = new ArrayList<>();
        nodeSelector.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String have = node.labels.get(e.getKey());
            if (!e.getValue().equals(have)) {
                reasons.add(new Reason(NAME, REASON + ": nodeSelector " + e.getKey() + "=" + e.getValue()
                        + " (node has " + (have == null ? "no label " + e.getKey() : e.getKey() + "=" + have) + ")"));
            }
        });
        if (required != null) {
            boolean any = false;
            for (NodeSelectorTerm t : required) {
                any |= t.matches(node.labels, node.name);
            }
            if (!any) {
                if (required.isEmpty()) {
                    reasons.add(new Reason(NAME, REASON + ": the required node affinity has no usable term"));
                }
                for (int i = 0; i < required.size(); i++) {
                    reasons.add(new Reason(NAME, REASON + ": required term " + (i + 1) + " of " + required.size()
                            + ": " + required.get(i).whyNot(node.labels, node.name)));
                }
            }
        }
        return new Failure(NAME, List.of(REASON), reasons, true);
    }

    /** Whether the pod has any preferred term that can count. */
    boolean scores() {
        return !preferred.isEmpty();
    }

    /** The raw score: the summed weights of the preferred terms the node matches. */
    long preferredWeight(IndexedNode node) {
        long sum = 0;
        for (int i = 0; i < preferred.size(); i++) {
            if (preferred.get(i).matches(node.labels, node.name)) {
                sum += preferredWeights[i];
            }
        }
        return sum;
    }

    private static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }
}
