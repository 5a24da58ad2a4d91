package io.gpuscale.agent.pods;

import static io.gpuscale.agent.pods.PodObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.gpuscale.common.testing.LogCapture;
import io.gpuscale.agent.kube.ApiServerAccess;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The informer against an HTTP stand-in of the API server. */
class NodePodInformerIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String NODE = "gpu-node-1";

    private final Vertx vertx = Vertx.vertx();
    private KubeApiStandIn api;
    private NodePodInformer informer;

    @AfterEach
    void tearDown() {
        if (informer != null) {
            informer.close();
        }
        if (api != null) {
            api.close();
        }
        vertx.close().await();
    }

    @Test
    void listsOnlyThisNodesPodsWithTheirUidsAndPhases() {
        api = new KubeApiStandIn();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        api.put(pod("ml", "elsewhere", "uid-elsewhere", "gpu-node-2", "Running"));
        api.put(pod("batch", "done", "uid-done", NODE, "Succeeded"));

        NodePods pods = startAndSync();

        assertThat(pods.all()).containsExactly(
                new PodInfo("uid-done", "batch", "done", "Succeeded"),
                new PodInfo("uid-trainer", "ml", "trainer", "Running"));
        assertThat(pods.byName("ml", "trainer").map(PodInfo::uid)).hasValue("uid-trainer");
        assertThat(pods.byUid("uid-done").map(PodInfo::ended)).hasValue(true);
        assertThat(pods.byUid("uid-elsewhere")).isEmpty();
    }

    @Test
    void podsOfOtherNodesAreLeftOutEvenWhenTheServerIgnoresTheFieldSelector() {
        api = ignoringFieldSelectors();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        api.put(pod("ml", "elsewhere", "uid-elsewhere", "gpu-node-2", "Running"));

        NodePods pods = startAndSync();
        api.put(pod("ml", "later-elsewhere", "uid-later-elsewhere", "gpu-node-2", "Running"));
        api.put(pod("ml", "later", "uid-later", NODE, "Pending"));
        pods = awaitPods("the pod added later", p -> p.byUid("uid-later").isPresent());

        assertThat(pods.all()).extracting(PodInfo::uid).containsExactly("uid-later", "uid-trainer");
    }

    @Test
    void aPodAddedLaterAppears() {
        api = new KubeApiStandIn();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        startAndSync();

        api.put(pod("ml", "inference", "uid-inference", NODE, "Pending"));

        NodePods pods = awaitPods("the new pod", p -> p.byUid("uid-inference").isPresent());
        assertThat(pods.byName("ml", "inference")).hasValue(new PodInfo("uid-inference", "ml", "inference", "Pending"));
        assertThat(pods.size()).isEqualTo(2);
    }

    @Test
    void aDeletedPodDisappears() {
        api = new KubeApiStandIn();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        api.put(pod("ml", "inference", "uid-inference", NODE, "Running"));
        startAndSync();

        api.delete("pods", "ml", "trainer");

        NodePods pods = awaitPods("the pod gone", p -> p.byUid("uid-trainer").isEmpty());
        assertThat(pods.all()).extracting(PodInfo::uid).containsExactly("uid-inference");
    }

    @Test
    void aPhaseChangeFromRunningToSucceededIsSeen() {
        api = new KubeApiStandIn();
        api.put(pod("batch", "job", "uid-job", NODE, "Running"));
        assertThat(startAndSync().byUid("uid-job").map(PodInfo::ended)).hasValue(false);

        api.put(pod("batch", "job", "uid-job", NODE, "Succeeded"));

        NodePods pods = awaitPods("the phase change", p -> p.byUid("uid-job").map(PodInfo::ended).orElse(false));
        assertThat(pods.byName("batch", "job").map(PodInfo::phase)).hasValue("Succeeded");
    }

    @Test
    void anOutageKeepsTheLastPodsIsLoggedOnceAndAFreshListCatchesUpAfterIt() {
        api = new KubeApiStandIn();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        api.put(pod("ml", "inference", "uid-inference", NODE, "Running"));
        startAndSync();
        List<LogRecord> logged = captureLogs();

        api.failWith(503);
        Eventually.await(DEADLINE, "two failed requests", () -> informer.failures() >= 2 ? true : null);
        api.delete("pods", "ml", "trainer");
        api.put(pod("ml", "inference", "uid-inference", NODE, "Failed"));
        api.put(pod("ml", "retry", "uid-retry", NODE, "Pending"));
        assertThat(informer.apiServerDown()).isTrue();
        assertThat(informer.current().all()).extracting(PodInfo::uid).containsExactly("uid-inference", "uid-trainer");
        api.failWith(0);

        NodePods pods = awaitPods("the state after the outage", p -> p.byUid("uid-retry").isPresent());
        assertThat(pods.all()).containsExactly(
                new PodInfo("uid-inference", "ml", "inference", "Failed"),
                new PodInfo("uid-retry", "ml", "retry", "Pending"));
        Eventually.await(DEADLINE, "the recovery logged", () -> logged.size() >= 2 ? true : null);
        assertThat(informer.apiServerDown()).isFalse();
        assertThat(logged).extracting(LogRecord::getLevel).containsExactly(Level.WARNING, Level.INFO);
        LogFields fields = LogFields.in(logged.get(0).getParameters());
        assertThat(fields.value("node")).isEqualTo(NODE);
        assertThat(fields.value("reason")).isEqualTo("HTTP 503 " + "{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                + "\"status\":\"Failure\",\"code\":503,\"reason\":\"ServiceUnavailable\",\"message\":\"the stand-in is failing\"}");
    }

    @Test
    void aListOfManyPodsIsReadPageByPage() {
        api = new KubeApiStandIn();
        api.pageEveryList(); // a server without watch cache: even the first list (resourceVersion=0) comes in pages
        for (int i = 0; i < NodePodInformer.PAGE_SIZE + 2; i++) {
            api.put(pod("ml", "worker-" + i, "uid-" + i, NODE, "Running"));
        }

        NodePods pods = startAndSync();

        assertThat(pods.size()).isEqualTo(NodePodInformer.PAGE_SIZE + 2);
        assertThat(api.uris()).filteredOn(u -> !u.contains("watch=true")).hasSize(2)
                .allMatch(u -> u.contains("limit=" + NodePodInformer.PAGE_SIZE));
        assertThat(api.uris().get(1)).contains("continue=" + NodePodInformer.PAGE_SIZE).doesNotContain("resourceVersion=");
    }

    @Test
    void theFirstListAsksTheCacheAndTheWatchResumesFromTheListsVersionWithBookmarks() {
        api = new KubeApiStandIn();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        startAndSync();
        Eventually.await(DEADLINE, "a watch", () -> api.openWatches() == 1 ? true : null);

        List<String> uris = api.uris();
        assertThat(uris.get(0)).contains("fieldSelector=spec.nodeName%3D" + NODE).contains("resourceVersion=0")
                .doesNotContain("watch=");
        assertThat(uris.get(1)).contains("watch=true", "allowWatchBookmarks=true", "resourceVersion=2", "timeoutSeconds=");
    }

    @Test
    void anExpiredVersionLeadsToAFreshListAndNoFailureIsLogged() {
        api = new KubeApiStandIn();
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        startAndSync();
        Eventually.await(DEADLINE, "a watch", () -> api.openWatches() == 1 ? true : null);
        List<LogRecord> logged = captureLogs();

        // A watch that has delivered an event catches up with a fresh list at once on a 410.
        api.put(pod("ml", "later", "uid-later", NODE, "Running"));
        awaitPods("the event", p -> p.byUid("uid-later").isPresent());
        int before = api.uris().size();
        api.compact();

        Eventually.await(DEADLINE, "a new watch", () -> api.openWatches() == 1 && api.uris().size() >= before + 2 ? true : null);
        List<String> after = api.uris().subList(before, api.uris().size());
        assertThat(after.get(0)).doesNotContain("watch=").doesNotContain("resourceVersion=");
        assertThat(informer.current().byUid("uid-later")).isPresent();
        assertThat(informer.failures()).isZero();
        assertThat(logged).isEmpty();
    }

    @Test
    void closeEndsTheWatchAndStopsAskingAndLogsNoError() {
        api = new KubeApiStandIn();
        startAndSync();
        Eventually.await(DEADLINE, "a watch", () -> api.openWatches() == 1 ? true : null);

        try (LogCapture log = LogCapture.open()) {
            informer.close();
            Eventually.await(DEADLINE, "the watch closed", () -> api.openWatches() == 0 ? true : null);
            assertThat(log.aboveInfo()).as("a clean stop logs no error").isEmpty();
        }

        int requests = api.requests();
        api.put(pod("ml", "after-close", "uid-after-close", NODE, "Running"));
        assertThat(api.requests()).isEqualTo(requests);
        assertThat(informer.current().byUid("uid-after-close")).isEmpty();
    }

    /** A server that ignores field selectors and sends every node's pods. */
    private static KubeApiStandIn ignoringFieldSelectors() {
        KubeApiStandIn server = new KubeApiStandIn();
        server.honourFieldSelectors(false);
        return server;
    }

    private NodePods startAndSync() {
        informer = new NodePodInformer(vertx, new ApiServerAccess(api.url(), null, null, null, false, null), NODE);
        assertThat(informer.synced()).isFalse();
        informer.start();
        Eventually.await(DEADLINE, "the first list", () -> informer.synced() ? true : null);
        return informer.current();
    }

    private NodePods awaitPods(String what, java.util.function.Predicate<NodePods> condition) {
        return Eventually.await(DEADLINE, what, () -> {
            NodePods pods = informer.current();
            return condition.test(pods) ? pods : null;
        });
    }

    private List<LogRecord> captureLogs() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(NodePodInformer.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.INFO.intValue()) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        return records;
    }
}
