package io.gpuscale.adapter.cluster;

import static io.gpuscale.adapter.cluster.ClusterObjects.node;
import static io.gpuscale.adapter.cluster.ClusterObjects.pod;
import static io.gpuscale.adapter.cluster.ClusterObjects.quota;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link InformerClusterView#subscribe}: a listener hears what the informers hold, then every change. */
class InformerSubscriptionIT {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final KubeApiStandIn api = new KubeApiStandIn();
    private InformerClusterView view;

    /** Writes down every call, as "kind verb namespace/name". */
    private static final class Recording implements SchedulingListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        List<String> snapshot() {
            return List.copyOf(events);
        }

        @Override
        public void nodeChanged(NodeSchedulingRecord node) {
            events.add("node changed " + node.name());
        }

        @Override
        public void nodeDeleted(String name) {
            events.add("node deleted " + name);
        }

        @Override
        public void podChanged(PodSchedulingRecord pod) {
            events.add("pod changed " + pod.namespace() + "/" + pod.name() + " on " + pod.nodeName() + " " + pod.phase());
        }

        @Override
        public void podDeleted(String namespace, String name) {
            events.add("pod deleted " + namespace + "/" + name);
        }

        @Override
        public void quotaChanged(QuotaRecord quota) {
            events.add("quota changed " + quota.namespace() + "/" + quota.name());
        }

        @Override
        public void quotaDeleted(String namespace, String name) {
            events.add("quota deleted " + namespace + "/" + name);
        }
    }

    @AfterEach
    void tearDown() {
        if (view != null) {
            view.close();
        }
        api.close();
    }

    @Test
    void aListenerAddedAfterStartHearsTheCachedObjectsThenEveryChange() {
        api.put(pod("ml", "trainer", "gpu-1", Map.of("app", "trainer")));
        api.put(node("gpu-1", 2));
        api.put(quota("ml", "gpus", 4));
        view = new InformerClusterView(new ClientBuilder().setBasePath(api.url()).build());
        view.start();
        Eventually.await(DEADLINE, "the first lists", view::ready);
        Recording recording = new Recording();

        SchedulingView.Subscription subscription = view.subscribe(recording);
        // what the caches hold is handed over before subscribe returns (the informers' own replay
        // may repeat it later: every event is an upsert or a delete)
        assertThat(recording.snapshot()).contains("pod changed ml/trainer on gpu-1 Running", "node changed gpu-1",
                "quota changed ml/gpus");
        api.put(pod("ml", "embedder", "gpu-1", Map.of()));
        api.delete("pods", "ml", "trainer");
        api.delete("nodes", "", "gpu-1");
        Eventually.await(DEADLINE, "the changes", () -> recording.snapshot().containsAll(List.of(
                "pod changed ml/embedder on gpu-1 Running", "pod deleted ml/trainer", "node deleted gpu-1")));

        assertThat(java.util.Set.copyOf(recording.snapshot())).containsExactlyInAnyOrder(
                "pod changed ml/trainer on gpu-1 Running", "node changed gpu-1", "quota changed ml/gpus",
                "pod changed ml/embedder on gpu-1 Running", "pod deleted ml/trainer", "node deleted gpu-1");
        List<String> events = recording.snapshot();
        assertThat(events.lastIndexOf("pod changed ml/trainer on gpu-1 Running"))
                .as("the trainer's delete comes after every upsert of it").isLessThan(events.indexOf("pod deleted ml/trainer"));
        assertThat(events.lastIndexOf("node changed gpu-1")).isLessThan(events.indexOf("node deleted gpu-1"));

        subscription.close();
        int heard = recording.snapshot().size();
        api.put(pod("ml", "after-close", "gpu-1", Map.of()));
        Eventually.await(DEADLINE, "the view to see the last pod", () -> view.pod("ml", "after-close").isPresent());
        assertThat(recording.snapshot()).hasSize(heard);
    }

    @Test
    void aSnapshotReplaysItsRecordsOnce() {
        Recording recording = new Recording();

        SnapshotClusterView.load(java.nio.file.Path.of("..", "deploy", "examples", "demo-cluster.yaml"))
                .subscribe(recording).close();

        assertThat(recording.events).contains("node changed mainpc", "node changed pc2", "quota changed demo/gpu-quota")
                .anyMatch(e -> e.startsWith("pod changed demo/llm-server-mainpc-0 on mainpc"));
    }
}
