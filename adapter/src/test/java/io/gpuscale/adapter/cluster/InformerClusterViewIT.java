package io.gpuscale.adapter.cluster;

import static io.gpuscale.adapter.cluster.ClusterObjects.node;
import static io.gpuscale.adapter.cluster.ClusterObjects.pod;
import static io.gpuscale.adapter.cluster.ClusterObjects.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.informer.KubeListerWatcher;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The informer view against an HTTP stand-in of the API server, through the official client. */
class InformerClusterViewIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private KubeApiStandIn api;
    private InformerClusterView view;

    @BeforeEach
    void setUp() {
        api = new KubeApiStandIn();
    }

    @AfterEach
    void tearDown() {
        if (view != null) {
            view.close();
        }
        api.close();
    }

    private void startAndSync() {
        view = new InformerClusterView(new ClientBuilder().setBasePath(api.url()).build());
        assertThat(view.ready()).isFalse();
        assertThat(view.pods("ml")).isEmpty();
        view.start();
        Eventually.await(DEADLINE, "the first lists", view::ready);
    }

    @Test
    void isReadyOnceEverythingIsListedAndAnswersFromTheLists() {
        api.put(pod("ml", "trainer", "gpu-1", Map.of("app", "trainer")));
        api.put(pod("ml", "embedder", "gpu-2", Map.of("app", "embedder")));
        api.put(pod("web", "front", "cpu-1", Map.of("app", "front")));
        api.put(node("gpu-2", 2));
        api.put(node("gpu-1", 1));
        api.put(quota("ml", "gpus", 4));

        startAndSync();

        assertThat(view.pods("ml")).extracting(PodRecord::name).containsExactly("embedder", "trainer");
        assertThat(view.pod("ml", "trainer").orElseThrow())
                .isEqualTo(new PodRecord("ml", "trainer", "uid-trainer", Map.of("app", "trainer"), "gpu-1", "Running"));
        assertThat(view.nodes()).extracting(NodeRecord::name).containsExactly("gpu-1", "gpu-2");
        assertThat(view.schedulingNode("gpu-2").orElseThrow().allocatable())
                .containsEntry("nvidia.com/gpu", new Quantity("2"));
        assertThat(view.schedulingPod("ml", "trainer").orElseThrow().containers()).singleElement()
                .satisfies(c -> assertThat(c.requests()).containsEntry("nvidia.com/gpu", new Quantity("1")));
        assertThat(view.quotas("ml")).extracting(QuotaRecord::name).containsExactly("gpus");
        assertThat(view.cachedClasses()).as("no V1Pod, V1Node or V1ResourceQuota is cached")
                .containsExactly(CachedObject.class);
    }

    @Test
    void podsAddedAndDeletedChangeTheView() {
        api.put(pod("ml", "trainer", "gpu-1", Map.of("app", "trainer")));
        startAndSync();

        api.put(pod("ml", "new-one", "gpu-1", Map.of("app", "trainer")));
        Eventually.await(DEADLINE, "the added pod", () -> view.pod("ml", "new-one").isPresent());
        api.delete("pods", "ml", "trainer");
        Eventually.await(DEADLINE, "the deleted pod gone", () -> view.pod("ml", "trainer").isEmpty());

        assertThat(view.pods("ml")).extracting(PodRecord::name).containsExactly("new-one");
        assertThat(view.schedulingPods()).extracting(PodSchedulingRecord::name).containsExactly("new-one");
    }

    @Test
    void labelChangesAreSeen() {
        api.put(pod("ml", "trainer", "gpu-1", Map.of("app", "trainer", "tier", "batch")));
        startAndSync();

        api.put(pod("ml", "trainer", "gpu-1", Map.of("app", "trainer", "tier", "online")));

        Eventually.await(DEADLINE, "the new label",
                () -> "online".equals(view.pod("ml", "trainer").orElseThrow().labels().get("tier")));
    }

    @Test
    void nodesAndQuotasFollowTheirWatchesToo() {
        api.put(node("gpu-1", 1));
        startAndSync();

        api.put(node("gpu-1", 4));
        api.put(node("gpu-3", 8));
        api.put(quota("ml", "gpus", 2));

        Eventually.await(DEADLINE, "the node change", () -> view.schedulingNode("gpu-1")
                .map(n -> new Quantity("4").equals(n.allocatable().get("nvidia.com/gpu"))).orElse(false));
        Eventually.await(DEADLINE, "the new node", () -> view.node("gpu-3").isPresent());
        Eventually.await(DEADLINE, "the quota", () -> view.quotas("ml").size() == 1);
        api.delete("nodes", "", "gpu-3");
        Eventually.await(DEADLINE, "the deleted node gone", () -> view.node("gpu-3").isEmpty());
    }

    @Test
    void aCutWatchIsResumedAndChangesMadeMeanwhileArrive() {
        startAndSync();
        Eventually.await(DEADLINE, "three watches", () -> api.openWatches() == 3);

        api.cutWatches();
        api.put(pod("ml", "while-cut", "gpu-1", Map.of()));

        Eventually.await(DEADLINE, "the pod made while the watch was cut", () -> view.pod("ml", "while-cut").isPresent());
        assertThat(view.ready()).isTrue();
    }

    @Test
    void closingStopsEveryWatch() {
        startAndSync();
        Eventually.await(DEADLINE, "three watches", () -> api.openWatches() == 3);

        view.close();

        Eventually.await(DEADLINE, "the watches closed", () -> api.openWatches() == 0);
    }

    @Test
    void aLargeClusterIsListedInPagesAndWhollyWhenAPageTokenExpires() {
        api.pageEveryList(); // a server without watch cache: even the first list comes in pages
        int pods = 2 * KubeListerWatcher.PAGE_SIZE + 1;
        for (int i = 0; i < pods; i++) {
            api.put(pod("ml", "p-" + i, "gpu-1", Map.of("app", "trainer")));
        }
        view = new InformerClusterView(new ClientBuilder().setBasePath(api.url()).build());
        view.start();
        Eventually.await(DEADLINE, "the paged lists", view::ready);

        assertThat(view.pods("ml")).hasSize(pods);
        assertThat(view.pod("ml", "p-" + (pods - 1))).isPresent();
        assertThat(api.lists("pods")).isEqualTo(3);
        assertThat(view.pods("ml").get(0).labels()).isSameAs(view.pods("ml").get(1).labels());

        api.expireContinueTokens();
        try (InformerClusterView second = new InformerClusterView(new ClientBuilder().setBasePath(api.url()).build())) {
            second.start();
            Eventually.await(DEADLINE, "the whole list after an expired page", second::ready);
            assertThat(second.pods("ml")).hasSize(pods);
        }
        assertThat(api.lists("pods")).isEqualTo(3 + 3); // a page, the expired one, then the whole list
    }

    @Test
    void theFirstListComesWholeAsFromTheWatchCacheAndIsReadItemByItem() {
        int pods = 2 * KubeListerWatcher.PAGE_SIZE + 1;
        for (int i = 0; i < pods; i++) {
            api.put(pod("ml", "p-" + i, "gpu-1", Map.of("app", "trainer")));
        }

        startAndSync();

        assertThat(api.lists("pods")).isEqualTo(1); // resourceVersion=0: one answer, whatever the limit
        assertThat(view.pods("ml")).hasSize(pods);
        assertThat(view.pod("ml", "p-" + (pods - 1))).isPresent();
    }

    @Test
    void anUnreadableListIsCountedAndListedAgainUntilItReads() {
        api.put(pod("ml", "a", "gpu-1", Map.of()));
        String whole = "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[";
        api.answerListsWith(whole + "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\""); // ends inside the first item
        view = new InformerClusterView(new ClientBuilder().setBasePath(api.url()).build());
        view.start();
        Eventually.await(DEADLINE, "failed lists", () -> view.failures() > 0);
        assertThat(view.ready()).isFalse();

        api.answerListsWith(null);

        Eventually.await(DEADLINE, "the lists once they read", view::ready);
        assertThat(view.pod("ml", "a")).isPresent();
    }
}
