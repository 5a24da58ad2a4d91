package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Says, for a pod, whether ResourceQuota admits it, on which nodes it fits and why not on each
 * other one, in kube-scheduler's own words, and which fits best given live GPU load.
 *
 * <p><b>Filters</b> run as kube-scheduler runs them, in its order: {@link NodeUnschedulable},
 * {@link NodeName}, {@link TaintToleration}, {@link NodeAffinity}, {@link NodeResourcesFit}
 * (NodePorts, volume and inter-pod plugins are not modelled). kube-scheduler stops at the first
 * failing plugin; the advisor runs them all on a failing node and lists every failing check, but
 * marks the first as {@link NodeVerdict#plugin()} and gives its status reasons, which are what
 * kube-scheduler prints and what the FailedScheduling text counts. NodeAffinity's PreFilter comes
 * first: a pod pinned by {@code matchFields metadata.name} has no other node checked.
 *
 * <p><b>Scores</b> (feasible nodes only, 0 to 100) are a weighted mean of
 * <ul>
 * <li>TaintToleration, weight 3 (kube-scheduler's weight): PreferNoSchedule taints the pod does
 *     not tolerate, normalized reversed over the feasible nodes;</li>
 * <li>NodeAffinity, weight 2 (kube-scheduler's weight), only when the pod has preferred terms:
 *     matching preferred weights, normalized over the feasible nodes;</li>
 * <li>GPU load ({@link GpuScore}), weight 5 for a pod that requests GPUs, so that it decides
 *     between otherwise equal nodes and outweighs either kube-scheduler score alone, and weight 1
 *     for a pod that does not: there it only breaks ties.</li>
 * </ul>
 *
 * <p>Cost: the pod is worked out once ({@link PodQuery}); under the index's read lock its node
 * affinity is compiled against the index's label numbers ({@link NodeAffinity.Matcher}) and its
 * tolerations are decided once per distinct taint list ({@link TaintToleration.Verdicts}), so the
 * per-node loop reads precomputed vectors and small arrays and allocates nothing for a node that
 * passes. A node that fails costs its {@link NodeVerdict} and its reasons, kept as numbers
 * ({@link Reason} writes its message when first asked) and shared between nodes whose reason
 * reads the same (a NodeAffinity mismatch by the node's value of the failing key, a taint
 * verdict by taint list, a shortage by its numbers), with kube-scheduler's status reasons as shared constant lists; the
 * filters report into one reused {@link Failures}.
 *
 * <p><b>No network call while a lock is held.</b> The GPU loads are read by a
 * {@link GpuLoadRefresher} on its own thread; a request takes its last snapshot before it takes the
 * index's read lock, so a slow or absent Prometheus holds up neither informer events (the write
 * lock) nor other requests. When that snapshot is too old the nodes are scored without GPU load and
 * the explanation says so ({@link Explanation#gpuLoad()}); the answer never fails for it.
 */
public final class PlacementAdvisor {
    /** The plugin named for a node the extender asked about that the index does not hold. */
    public static final String UNKNOWN_NODE_PLUGIN = "ClusterIndex";
    static final String UNKNOWN_NODE_REASON = "node(s) were not found in the advisor's cluster index";
    static final String NO_NODES = "no nodes available to schedule pods";
    private static final int TAINT_WEIGHT = 3;
    private static final int AFFINITY_WEIGHT = 2;
    private static final int GPU_WEIGHT_GPU_POD = 5;
    private static final int GPU_WEIGHT_OTHER_POD = 1;

    private final ClusterIndex index;
    private final GpuLoadRefresher gpuLoads;
    private final AdvisorOptions options;
    private final Clock clock;

    /**
     * @param gpuLoads the GPU loads, read on their own thread ({@link GpuLoadRefresher}); scoring only
     *     takes its last snapshot and never reads metrics, so nothing here blocks on the network. Null
     *     scores every node's GPU load as unknown ({@link GpuLoadStatus#NOT_READ}).
     */
    public PlacementAdvisor(ClusterIndex index, GpuLoadRefresher gpuLoads, AdvisorOptions options, Clock clock) {
        this.index = Objects.requireNonNull(index, "index");
        this.options = Objects.requireNonNull(options, "options");
        this.gpuLoads = gpuLoads;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The pod against every node in the index. */
    public Explanation explain(PodSchedulingRecord pod) {
        PodQuery q = new PodQuery(pod, index.slots);
        Loads loads = loads();
        return index.read(() -> evaluate(q, ResourceQuotaAdmission.admit(pod, index.quotas(pod.namespace())),
                index.nodes(), List.of(), loads, null));
    }

    /** Each feasible node's score and its parts, by node name: for tests. */
    Map<String, Scored> scores(PodSchedulingRecord pod) {
        PodQuery q = new PodQuery(pod, index.slots);
        Loads loads = loads();
        Map<String, Scored> out = new TreeMap<>();
        index.read(() -> evaluate(q, new QuotaVerdict(true, null), index.nodes(), List.of(), loads, out));
        return out;
    }

    /** The GPU loads a request scores with, taken before the index's lock: a snapshot, no I/O. */
    private Loads loads() {
        long now = clock.millis();
        if (gpuLoads == null) {
            return new Loads(new GpuLoadRefresher.View(GpuLoads.EMPTY, GpuLoadStatus.NOT_READ), now,
                    options.gpuMaxAge().toMillis());
        }
        return new Loads(gpuLoads.view(now), now, gpuLoads.maxAgeMillis());
    }

    private record Loads(GpuLoadRefresher.View view, long nowMillis, long maxAgeMillis) {
    }

    /**
     * One feasible node's score and its parts, each 0 to 100.
     *
     * @param taint TaintToleration's normalized score
     * @param affinity NodeAffinity's normalized score (0 for every node when the pod prefers nothing)
     * @param gpu the GPU-load score
     * @param total the weighted mean, the node's score
     */
    record Scored(String node, long taint, long affinity, int gpu, int total) {
    }

    /**
     * The pod against the named nodes only (an extender's {@code NodeNames}). A name the index
     * does not hold is infeasible, plugin {@value #UNKNOWN_NODE_PLUGIN}.
     */
    public Explanation explainOn(PodSchedulingRecord pod, Collection<String> nodeNames) {
        PodQuery q = new PodQuery(pod, index.slots);
        Loads loads = loads();
        return index.read(() -> {
            QuotaVerdict quota = ResourceQuotaAdmission.admit(pod, index.quotas(pod.namespace()));
            List<IndexedNode> known = new ArrayList<>(nodeNames.size());
            List<String> unknown = new ArrayList<>();
            for (String name : new java.util.LinkedHashSet<>(nodeNames)) {
                IndexedNode n = index.node(name);
                if (n == null) {
                    unknown.add(name);
                } else {
                    known.add(n);
                }
            }
            known.sort(Comparator.comparing(n -> n.name));
            return evaluate(q, quota, known.toArray(IndexedNode[]::new), unknown, loads, null);
        });
    }

    /**
     * The pod against these node objects (an extender's full {@code Nodes}), each with the usage
     * the index has for a node of that name (none if it has not seen it).
     */
    public Explanation explainAgainst(PodSchedulingRecord pod, List<NodeSchedulingRecord> nodes) {
        PodQuery q = new PodQuery(pod, index.slots);
        Loads loads = loads();
        return index.read(() -> {
            QuotaVerdict quota = ResourceQuotaAdmission.admit(pod, index.quotas(pod.namespace()));
            List<IndexedNode> given = new ArrayList<>(nodes.size());
            for (NodeSchedulingRecord n : nodes) {
                given.add(new IndexedNode(n, index.slots, index.usage(n.name())));
            }
            given.sort(Comparator.comparing(n -> n.name));
            return evaluate(q, quota, given.toArray(IndexedNode[]::new), List.of(), loads, null);
        });
    }

    /** {@code nodes} in name order: the verdicts come out in name order without a sort. */
    private Explanation evaluate(PodQuery q, QuotaVerdict quota, IndexedNode[] nodes, List<String> unknown,
            Loads loads, Map<String, Scored> scoreSink) {
        int wording = TaintToleration.wording(options.kubeVersion());
        NodeAffinity affinity = q.affinity;
        // compiled against this moment's label numbers and taint lists: valid under the read lock only
        NodeAffinity.Matcher matcher = affinity.against(index.labels);
        TaintToleration.Verdicts taints = new TaintToleration.Verdicts(q, index.taintSets.bound());
        // One array holds the answer: the infeasible verdicts are written from its start in name
        // order while the feasible nodes are set aside; then the infeasible ones move to the end and
        // the feasible ones, scored and sorted, fill the front. No list is copied on the way.
        NodeVerdict[] out = new NodeVerdict[nodes.length + unknown.size()];
        int infeasible = 0;
        IndexedNode[] feasible = new IndexedNode[nodes.length];
        int feasibleCount = 0;
        // A pod NodeAffinity's PreFilter rejects, or pins to other nodes, gets the same verdict on
        // every node it cuts: made once, shared.
        List<Reason> cut = null;
        List<String> cutStatus = null;
        if (affinity.conflict) {
            cut = List.of(new Reason(NodeAffinity.NAME, NodeAffinity.REASON_CONFLICT
                    + ": the required terms' matchFields metadata.name sets have no node in common"));
            cutStatus = List.of(NodeAffinity.REASON_CONFLICT);
        } else if (affinity.pinned != null) {
            cut = List.of(new Reason(NodeAffinity.NAME, NodeAffinity.REASON_PREFILTER
                    + ": the pod is pinned by matchFields metadata.name to "
                    + String.join(", ", new java.util.TreeSet<>(affinity.pinned))));
            cutStatus = List.of(NodeAffinity.REASON_PREFILTER);
        }
        NodeResourcesFit.Shortages shortages = new NodeResourcesFit.Shortages();
        Failures failures = new Failures();
        for (IndexedNode node : nodes) {
            if (affinity.conflict || (affinity.pinned != null && !affinity.pinned.contains(node.name))) {
                out[infeasible++] = new NodeVerdict(node.name, false, NodeAffinity.NAME, cut, cutStatus, true, null, null);
                continue;
            }
            failures.reset();
            NodeUnschedulable.check(q, node, failures);
            NodeName.check(q, node, failures);
            taints.check(node, wording, failures);
            matcher.check(node, failures);
            NodeResourcesFit.check(q, node, node.usage, index.slots, shortages, failures);
            if (failures.any()) {
                out[infeasible++] = failures.verdict(node.name);
            } else {
                feasible[feasibleCount++] = node;
            }
        }
        for (String name : unknown) { // only from explainOn; sorted below
            out[infeasible++] = new NodeVerdict(name, false, UNKNOWN_NODE_PLUGIN,
                    List.of(new Reason(UNKNOWN_NODE_PLUGIN, "node \"" + name
                            + "\" is not in the advisor's cluster index (not listed yet, or deleted)")),
                    List.of(UNKNOWN_NODE_REASON), false, null, null);
        }
        if (!unknown.isEmpty()) {
            Arrays.sort(out, 0, infeasible, Comparator.comparing(NodeVerdict::name));
        }
        System.arraycopy(out, 0, out, feasibleCount, infeasible);
        score(q, matcher, taints, feasible, feasibleCount, loads, scoreSink, out);
        List<NodeVerdict> verdicts = new VerdictList(out);
        String fitError = feasibleCount == 0
                ? fitError(verdicts.size(), affinity.conflict, verdicts.subList(feasibleCount, out.length))
                : null;
        return new Explanation(q.pod.namespace(), q.pod.name(), quota, fitError, loads.view().status(), verdicts);
    }

    /** Writes the feasible nodes' verdicts to the front of {@code out}, best score first, then by name. */
    private void score(PodQuery q, NodeAffinity.Matcher affinity, TaintToleration.Verdicts taints,
            IndexedNode[] feasible, int n, Loads loads, Map<String, Scored> sink, NodeVerdict[] out) {
        if (n == 0) {
            return;
        }
        int[] taintCounts = new int[n];
        long[] affinityRaw = new long[n];
        int maxTaints = 0;
        long maxAffinity = 0;
        for (int i = 0; i < n; i++) {
            IndexedNode node = feasible[i];
            taintCounts[i] = taints.intolerablePreferNoSchedule(node);
            maxTaints = Math.max(maxTaints, taintCounts[i]);
            if (q.affinity.scores()) {
                affinityRaw[i] = affinity.preferredWeight(node);
                maxAffinity = Math.max(maxAffinity, affinityRaw[i]);
            }
        }
        GpuScore gpu = new GpuScore(loads.view().loads(), loads.nowMillis(), loads.maxAgeMillis(), options.gpuPolicy(),
                index.slots.existingSlot(ResourceNames.GPU));
        int gpuWeight = q.gpuPod() ? GPU_WEIGHT_GPU_POD : GPU_WEIGHT_OTHER_POD;
        int affinityWeight = q.affinity.scores() ? AFFINITY_WEIGHT : 0;
        int[] totals = new int[n];
        int[] gpuScores = new int[n];
        int[] perScore = new int[101];
        for (int i = 0; i < n; i++) {
            IndexedNode node = feasible[i];
            long taintScore = maxTaints == 0 ? 100 : 100 - 100L * taintCounts[i] / maxTaints;
            long affinityScore = maxAffinity == 0 ? 0 : 100 * affinityRaw[i] / maxAffinity;
            int gpuScore = gpu.score(q, node, node.usage);
            gpuScores[i] = gpuScore;
            double total = (TAINT_WEIGHT * taintScore + affinityWeight * affinityScore + (double) gpuWeight * gpuScore)
                    / (TAINT_WEIGHT + affinityWeight + gpuWeight);
            totals[i] = (int) Math.round(total);
            perScore[totals[i]]++;
            if (sink != null) {
                sink.put(node.name, new Scored(node.name, taintScore, affinityScore, gpuScore, totals[i]));
            }
        }
        // Best score first, ties in name order: a stable counting sort over the name-ordered
        // feasible nodes, linear where a comparison sort of thousands of verdicts is not.
        int[] start = new int[101];
        for (int score = 99, at = perScore[100]; score >= 0; score--) {
            start[score] = at;
            at += perScore[score];
        }
        for (int i = 0; i < n; i++) {
            out[start[totals[i]]++] = new NodeVerdict(feasible[i].name, true, null, List.of(), List.of(), false,
                    totals[i], gpuScores[i]);
        }
    }

    /**
     * kube-scheduler's FitError text: {@code 0/N nodes are available: } then either the PreFilter
     * rejection or every status reason of every node counted, {@code "<count> <reason>"}, sorted
     * as strings and joined by {@code ", "}, ending with a period. The PostFilter (preemption)
     * suffix is not produced: the advisor does not simulate preemption.
     */
    static String fitError(int allNodes, boolean preFilterRejected, List<NodeVerdict> infeasible) {
        if (allNodes == 0) {
            return NO_NODES;
        }
        StringBuilder sb = new StringBuilder().append("0/").append(allNodes).append(" nodes are available:");
        if (preFilterRejected) {
            return sb.append(' ').append(NodeAffinity.REASON_CONFLICT).append('.').toString();
        }
        // a counter per distinct reason, mutable: thousands of nodes share a handful of reasons
        Map<String, int[]> counts = new HashMap<>();
        for (NodeVerdict v : infeasible) {
            List<String> reasons = v.statusReasons();
            for (int i = 0; i < reasons.size(); i++) {
                int[] count = counts.get(reasons.get(i));
                if (count == null) {
                    counts.put(reasons.get(i), new int[] {1});
                } else {
                    count[0]++;
                }
            }
        }
        List<String> parts = new ArrayList<>(counts.size());
        counts.forEach((reason, count) -> parts.add(count[0] + " " + reason));
        parts.sort(Comparator.naturalOrder());
        if (!parts.isEmpty()) {
            sb.append(' ').append(String.join(", ", parts)).append('.');
        }
        return sb.toString();
    }
}
