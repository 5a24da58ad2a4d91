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
import java.util.TreeMap;

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
    /** {@code spec.nodeSelector}'s keys in order, and their values: reasons list the pairs sorted by key. */
    private final String[] selectorKeys;
    private final String[] selectorValues;
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
        Map<String, String> nodeSelector = new TreeMap<>(pod.nodeSelector());
        this.selectorKeys = nodeSelector.keySet().toArray(String[]::new);
        this.selectorValues = nodeSelector.values().toArray(String[]::new);
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
        for (int i = 0; i < selectorKeys.length; i++) {
            if (!selectorValues[i].equals(node.labels.get(selectorKeys[i]))) {
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

    /** Adds the node's failure to {@code out} unless it passes. */
    void check(IndexedNode node, Failures out) {
        if (passes(node)) {
            return;
        }
        out.failed(NAME, STATUS, true);
        for (int i = 0; i < selectorKeys.length; i++) {
            if (!selectorValues[i].equals(node.labels.get(selectorKeys[i]))) {
                out.reason(new Mismatch(this, i, node.labels, node.name));
            }
        }
        if (required != null) {
            for (NodeSelectorTerm t : required) {
                if (t.matches(node.labels, node.name)) {
                    return;
                }
            }
            if (required.isEmpty()) {
                out.reasons(NO_USABLE_TERM);
            }
            for (int i = 0; i < required.size(); i++) {
                out.reason(new Mismatch(this, -1 - i, node.labels, node.name));
            }
        }
    }

    private static final List<String> STATUS = List.of(REASON);
    private static final List<Reason> NO_USABLE_TERM = List.of(new Reason(NAME, REASON
            + ": the required node affinity has no usable term"));

    /**
     * A node's mismatch with one nodeSelector pair or one required term; the message ("... :
     * nodeSelector gpu=h100 (node has gpu=a100)") is written only when asked for, from the node's
     * labels as they were (a node's label map is immutable; an update replaces it).
     */
    static final class Mismatch extends Reason {
        private final NodeAffinity affinity;
        /** 0 and up: the nodeSelector pair at that index; -1 and down: required term {@code -1 - which}. */
        private final int which;
        private final Map<String, String> labels;
        private final String nodeName;

        Mismatch(NodeAffinity affinity, int which, Map<String, String> labels, String nodeName) {
            super(NAME);
            this.affinity = affinity;
            this.which = which;
            this.labels = labels;
            this.nodeName = nodeName;
        }

        @Override
        String format() {
            if (which >= 0) {
                String key = affinity.selectorKeys[which];
                String have = labels.get(key);
                return REASON + ": nodeSelector " + key + "=" + affinity.selectorValues[which] + " (node has "
                        + (have == null ? "no label " + key : key + "=" + have) + ")";
            }
            int term = -1 - which;
            return REASON + ": required term " + (term + 1) + " of " + affinity.required.size() + ": "
                    + affinity.required.get(term).whyNot(labels, nodeName);
        }
    }

    /**
     * This pod's NodeAffinity for one request over the index's nodes: the nodeSelector and every
     * term compiled against the index's {@link LabelDictionary} (under its read lock), and the
     * mismatch reasons shared by the nodes whose reason reads the same (every node whose
     * {@code nvidia.com/gpu.product} is L40S fails "... In [H100, A100] (node has
     * nvidia.com/gpu.product=NVIDIA-L40S)" alike), so that a node costs array reads and no reason
     * of its own. A node without label numbers (one an extender sent whole) takes the plain path.
     */
    Matcher against(LabelDictionary dictionary) {
        return new Matcher(dictionary);
    }

    final class Matcher {
        private final LabelDictionary dictionary;
        private final int[] selectorKeyIds;
        private final int[] selectorValueIds;
        /** Null when the pod has no required node affinity, like {@link NodeAffinity#required}. */
        private final NodeSelectorTerm.Compiled[] requiredTerms;
        private final NodeSelectorTerm.Compiled[] preferredTerms;
        /** Per nodeSelector pair, the shared reason by the node's value number + 1 (0: no such label); made as met. */
        private final List<Reason>[][] selectorReasons;
        /**
         * Per required term and label requirement (then its parse error), the shared reason by the
         * node's value number + 1; made as met.
         */
        private final List<Reason>[][][] termReasons;

        @SuppressWarnings("unchecked")
        private Matcher(LabelDictionary dictionary) {
            this.dictionary = dictionary;
            this.selectorKeyIds = new int[selectorKeys.length];
            this.selectorValueIds = new int[selectorKeys.length];
            for (int i = 0; i < selectorKeys.length; i++) {
                selectorKeyIds[i] = dictionary.keyId(selectorKeys[i]);
                selectorValueIds[i] = dictionary.valueId(selectorKeyIds[i], selectorValues[i]);
            }
            this.requiredTerms = required == null ? null : compile(required, dictionary);
            this.preferredTerms = compile(preferred, dictionary);
            this.selectorReasons = new List[selectorKeys.length][];
            this.termReasons = new List[required == null ? 0 : required.size()][][];
            for (int t = 0; t < termReasons.length; t++) {
                // one slot per label requirement, then one for the term's parse error
                termReasons[t] = new List[required.get(t).labels.size() + 1][];
            }
        }

        private static NodeSelectorTerm.Compiled[] compile(List<NodeSelectorTerm> terms, LabelDictionary d) {
            NodeSelectorTerm.Compiled[] out = new NodeSelectorTerm.Compiled[terms.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = terms.get(i).compile(d);
            }
            return out;
        }

        boolean passes(IndexedNode node) {
            int[] ids = node.labelIds;
            if (ids == null) {
                return NodeAffinity.this.passes(node);
            }
            if (!active) {
                return true;
            }
            for (int i = 0; i < selectorKeyIds.length; i++) {
                if (!selectorMatches(ids, i)) {
                    return false;
                }
            }
            if (requiredTerms == null) {
                return true;
            }
            for (NodeSelectorTerm.Compiled t : requiredTerms) {
                if (t.matches(ids, node.name)) {
                    return true;
                }
            }
            return false;
        }

        private boolean selectorMatches(int[] ids, int i) {
            // a value no node has numbers ABSENT, and so does a node without the key: never equal then
            int want = selectorValueIds[i];
            return want != LabelDictionary.ABSENT
                    && NodeSelectorTerm.Compiled.valueOf(ids, selectorKeyIds[i]) == want;
        }

        /** Adds the node's failure to {@code out} unless it passes: the same reasons as {@link NodeAffinity#check}. */
        void check(IndexedNode node, Failures out) {
            int[] ids = node.labelIds;
            if (ids == null) {
                NodeAffinity.this.check(node, out);
                return;
            }
            if (passes(node)) {
                return;
            }
            out.failed(NAME, STATUS, true);
            for (int i = 0; i < selectorKeyIds.length; i++) {
                if (!selectorMatches(ids, i)) {
                    int have = NodeSelectorTerm.Compiled.valueOf(ids, selectorKeyIds[i]);
                    out.reasons(shared(selectorReasons, i, selectorKeyIds[i], have, i, node));
                }
            }
            if (requiredTerms == null) {
                return;
            }
            for (NodeSelectorTerm.Compiled t : requiredTerms) {
                if (t.matches(ids, node.name)) {
                    return;
                }
            }
            if (requiredTerms.length == 0) {
                out.reasons(NO_USABLE_TERM);
            }
            for (int t = 0; t < requiredTerms.length; t++) {
                NodeSelectorTerm.Compiled term = requiredTerms[t];
                int labels = termReasons[t].length - 1;
                if (term.term.parseError != null) { // reads the same on every node: the last slot, as "absent"
                    out.reasons(shared(termReasons[t], labels, LabelDictionary.ABSENT, LabelDictionary.ABSENT, -1 - t,
                            node));
                    continue;
                }
                int r = term.firstFailingLabel(ids);
                if (r < 0) { // only a matchFields requirement fails: the reason names the node, so it is its own
                    out.reason(new Mismatch(NodeAffinity.this, -1 - t, node.labels, node.name));
                    continue;
                }
                int key = term.key(r);
                out.reasons(shared(termReasons[t], r, key, NodeSelectorTerm.Compiled.valueOf(ids, key), -1 - t, node));
            }
        }

        /**
         * The reason kept in {@code table[i]} for the nodes whose value number under {@code key} is
         * {@code have}, made from this node (the first met) on first need: the message depends on
         * nothing else of the node, so every node sharing it would read the same text.
         */
        private List<Reason> shared(List<Reason>[][] table, int i, int key, int have, int which, IndexedNode node) {
            List<Reason>[] byValue = table[i];
            if (byValue == null) {
                @SuppressWarnings("unchecked")
                List<Reason>[] made = new List[(key == LabelDictionary.ABSENT ? 0 : dictionary.valueBound(key)) + 1];
                byValue = made;
                table[i] = byValue;
            }
            List<Reason> reasons = byValue[have + 1];
            if (reasons == null) {
                reasons = List.of(new Mismatch(NodeAffinity.this, which, node.labels, node.name));
                byValue[have + 1] = reasons;
            }
            return reasons;
        }

        /** The raw score, as {@link NodeAffinity#preferredWeight}. */
        long preferredWeight(IndexedNode node) {
            int[] ids = node.labelIds;
            if (ids == null) {
                return NodeAffinity.this.preferredWeight(node);
            }
            long sum = 0;
            for (int i = 0; i < preferredTerms.length; i++) {
                if (preferredTerms[i].matches(ids, node.name)) {
                    sum += preferredWeights[i];
                }
            }
            return sum;
        }
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
