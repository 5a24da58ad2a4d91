package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.cluster.NodeRecord;
import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.QuotaRecord;
import io.gpuscale.adapter.cluster.SchedulingListener;
import io.gpuscale.adapter.cluster.SchedulingView;
import java.util.List;
import java.util.Optional;

/**
 * {@link AdvisorCluster}'s view, whose subscriber the test then tells of further events from its own
 * threads, as informers do: {@link #events()} is the listener the advisor's index subscribed.
 */
final class LiveClusterView implements SchedulingView {
    private final SchedulingView start = AdvisorCluster.view();
    private volatile SchedulingListener listener;

    /** Where informer events go: the index's listener. */
    SchedulingListener events() {
        return listener;
    }

    @Override
    public Subscription subscribe(SchedulingListener l) {
        Subscription replayed = start.subscribe(l);
        listener = l;
        return replayed;
    }

    @Override
    public List<PodSchedulingRecord> schedulingPods() {
        return start.schedulingPods();
    }

    @Override
    public Optional<PodSchedulingRecord> schedulingPod(String namespace, String name) {
        return start.schedulingPod(namespace, name);
    }

    @Override
    public List<NodeSchedulingRecord> schedulingNodes() {
        return start.schedulingNodes();
    }

    @Override
    public Optional<NodeSchedulingRecord> schedulingNode(String name) {
        return start.schedulingNode(name);
    }

    @Override
    public List<QuotaRecord> quotas(String namespace) {
        return start.quotas(namespace);
    }

    @Override
    public List<QuotaRecord> allQuotas() {
        return start.allQuotas();
    }

    @Override
    public List<PodRecord> pods(String namespace) {
        return start.pods(namespace);
    }

    @Override
    public Optional<PodRecord> pod(String namespace, String name) {
        return start.pod(namespace, name);
    }

    @Override
    public List<NodeRecord> nodes() {
        return start.nodes();
    }

    @Override
    public Optional<NodeRecord> node(String name) {
        return start.node(name);
    }

    @Override
    public boolean ready() {
        return start.ready();
    }
}
