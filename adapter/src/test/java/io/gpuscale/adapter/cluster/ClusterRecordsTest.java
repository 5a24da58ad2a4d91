package io.gpuscale.adapter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@link ClusterRecords}: one object's change touches its own entry and list, and listeners hear it in order. */
class ClusterRecordsTest {

    private static ClusterRecords.PodEntry pod(String namespace, String name, String phase) {
        return new ClusterRecords.PodEntry(new PodRecord(namespace, name, "uid-" + name, Map.of(), "n1", phase),
                new PodSchedulingRecord(namespace, name, "n1", "default-scheduler", 0, List.of(), List.of(), Map.of(),
                        Map.of(), List.of(), null, phase, "", null, Map.of(), Map.of()));
    }

    private static ClusterRecords.NodeEntry node(String name, String zone) {
        return new ClusterRecords.NodeEntry(new NodeRecord(name, Map.of("zone", zone)),
                new NodeSchedulingRecord(name, Map.of("zone", zone), Map.of(), Map.of(), List.of(), false));
    }

    @Test
    void aPodEventRemakesOnlyItsOwnNamespacesList() {
        ClusterRecords records = new ClusterRecords();
        records.putPod(pod("a", "web-2", "Running"));
        records.putPod(pod("a", "web-1", "Running"));
        records.putPod(pod("b", "job", "Pending"));
        List<PodRecord> a = records.pods("a");
        List<PodRecord> b = records.pods("b");

        records.putPod(pod("b", "job", "Running"));

        assertThat(records.pods("a")).isSameAs(a).extracting(PodRecord::name).containsExactly("web-1", "web-2");
        assertThat(records.pods("b")).isNotSameAs(b).extracting(PodRecord::phase).containsExactly("Running");
        assertThat(records.schedulingPods()).extracting(p -> p.namespace() + "/" + p.name())
                .containsExactly("a/web-1", "a/web-2", "b/job");
        records.removePod("a", "web-1");
        assertThat(records.pods("a")).extracting(PodRecord::name).containsExactly("web-2");
        assertThat(records.pod("a", "web-1")).isEmpty();
        assertThat(records.pods("nowhere")).isEmpty();
    }

    @Test
    void anEventThatChangesNoRecordChangesNothingAndTellsNoOne() {
        ClusterRecords records = new ClusterRecords();
        records.putNode(node("n1", "z1"));
        List<NodeRecord> nodes = records.nodes();
        List<String> heard = new CopyOnWriteArrayList<>();
        records.subscribe(new Recording(heard));
        heard.clear();

        records.putNode(node("n1", "z1")); // a heartbeat: equal records

        assertThat(records.nodes()).isSameAs(nodes);
        assertThat(heard).isEmpty();
        records.putNode(node("n1", "z2"));
        assertThat(records.nodes()).extracting(n -> n.labels().get("zone")).containsExactly("z2");
        assertThat(heard).containsExactly("node n1");
    }

    @Test
    void aListenerHearsWhatIsHeldThenEveryChangeInOrderUntilClosed() {
        ClusterRecords records = new ClusterRecords();
        records.putNode(node("n1", "z1"));
        records.putPod(pod("a", "web", "Running"));
        records.putQuota(new QuotaRecord("a", "gpus", Map.of(), Map.of(), List.of(), Map.of(), List.of()));
        List<String> heard = new CopyOnWriteArrayList<>();

        SchedulingView.Subscription s = records.subscribe(new Recording(heard));
        records.removePod("a", "web");
        records.removeNode("n1");
        records.removeQuota("a", "gpus");
        s.close();
        records.putNode(node("n2", "z1"));

        assertThat(heard).containsExactly("node n1", "pod a/web", "quota a/gpus", "pod deleted a/web",
                "node deleted n1", "quota deleted a/gpus");
        assertThat(records.allQuotas()).isEmpty();
        assertThat(records.nodes()).extracting(NodeRecord::name).containsExactly("n2");
    }

    private record Recording(List<String> heard) implements SchedulingListener {
        @Override
        public void nodeChanged(NodeSchedulingRecord node) {
            heard.add("node " + node.name());
        }

        @Override
        public void nodeDeleted(String name) {
            heard.add("node deleted " + name);
        }

        @Override
        public void podChanged(PodSchedulingRecord pod) {
            heard.add("pod " + pod.namespace() + "/" + pod.name());
        }

        @Override
        public void podDeleted(String namespace, String name) {
            heard.add("pod deleted " + namespace + "/" + name);
        }

        @Override
        public void quotaChanged(QuotaRecord quota) {
            heard.add("quota " + quota.namespace() + "/" + quota.name());
        }

        @Override
        public void quotaDeleted(String namespace, String name) {
            heard.add("quota deleted " + namespace + "/" + name);
        }
    }
}
