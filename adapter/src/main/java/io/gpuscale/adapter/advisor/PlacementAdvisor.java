package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.metrics.GpuMetrics;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Says, for a pod, whether quota admits it, on which nodes it fits, why not on each other one,
 * and which fits best. Work in progress: the filters are being filled in.
 */
public final class PlacementAdvisor {
    private final ClusterIndex index;
    private final GpuMetrics metrics;
    private final AdvisorOptions options;
    private final Clock clock;

    public PlacementAdvisor(ClusterIndex index, GpuMetrics metrics, AdvisorOptions options, Clock clock) {
        this.index = Objects.requireNonNull(index, "index");
        this.metrics = metrics;
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The pod against every node in the index. */
    public Explanation explain(PodSchedulingRecord pod) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The pod against the named nodes only (an extender's NodeNames); a name not in the index is infeasible. */
    public Explanation explainOn(PodSchedulingRecord pod, Collection<String> nodeNames) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The pod against these node objects (an extender's Nodes), with the usage the index has for each name. */
    public Explanation explainAgainst(PodSchedulingRecord pod, List<NodeSchedulingRecord> nodes) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
