package io.gpuscale.adapter.informer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.util.ClientBuilder;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared informer against the kube-apiserver stand-in: what it hears, how an outage is logged, how it stops. */
class InformerIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String LOGGER = InformerIT.class.getName() + ".owner";
    /** Held: java.util.logging keeps loggers only weakly, and would forget the handler. */
    private static final Logger OWNER = Logger.getLogger(LOGGER);

    private final KubeApiStandIn api = new KubeApiStandIn();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            lines.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Informer informer;

    @BeforeEach
    void listen() {
        OWNER.addHandler(capture);
    }

    @AfterEach
    void stop() {
        if (informer != null) {
            informer.close();
        }
        api.close();
        OWNER.removeHandler(capture);
    }

    private Informer configMaps() {
        CoreV1Api core = new CoreV1Api(new ClientBuilder().setBasePath(api.url()).build());
        return new Informer(new ClientBuilder().setBasePath(api.url()).build(), "configmaps",
                (rv, timeout, watch, limit, page) -> core.listConfigMapForAllNamespaces().resourceVersion(rv)
                        .timeoutSeconds(timeout).watch(watch ? true : null).limit(limit)._continue(page)
                        .allowWatchBookmarks(watch ? true : null).buildCall(null),
                V1ConfigMap.class, null, System.getLogger(LOGGER), LogFields.of("server", api.url()),
                new Informer.Changes() {
                    @Override
                    public void put(KubernetesObject object) {
                        heard.add("put " + object.getMetadata().getName());
                    }

                    @Override
                    public void removed(KubernetesObject object) {
                        heard.add("removed " + object.getMetadata().getName());
                    }
                });
    }

    private void putConfigMap(String name) {
        api.put(new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap")
                .put("metadata", new JsonObject().put("namespace", "ml").put("name", name))
                .put("data", new JsonObject().put("k", "v")));
    }

    @Test
    void listsThenWatchesAndTellsEachChange() {
        putConfigMap("a");
        informer = configMaps();
        informer.start();
        Eventually.await(DEADLINE, "the first list", informer::synced);
        Eventually.await(DEADLINE, "the watch", () -> api.openWatches() == 1);

        putConfigMap("b");
        api.delete("configmaps", "ml", "a");

        Eventually.await(DEADLINE, "the changes", () -> heard.size() == 3);
        assertThat(heard).containsExactly("put a", "put b", "removed a");
        assertThat(informer.cached()).extracting(o -> o.getMetadata().getName()).containsExactly("b");
        assertThat(informer.lists()).isEqualTo(1);
        assertThat(informer.watches()).isEqualTo(1);
        assertThat(informer.failures()).isZero();
        assertThat(informer.lastEventMillis()).isPositive();
    }

    @Test
    void anOutageIsLoggedOnceAtItsStartAndOnceAtItsEnd() {
        putConfigMap("a");
        api.failWith(503);
        informer = configMaps();
        informer.start();
        Eventually.await(DEADLINE, "three failed lists", () -> informer.failures() >= 3);
        assertThat(informer.synced()).isFalse();
        assertThat(lines).as("one line for the whole outage").containsExactly(
                "WARNING cannot list or watch configmaps; retrying, logging again once it works");

        api.failWith(0);

        Eventually.await(DEADLINE, "the end of the outage logged", () -> lines.size() == 2);
        assertThat(lines.get(1)).isEqualTo("INFO listing and watching configmaps again");
        assertThat(informer.synced()).isTrue();
        assertThat(heard).containsExactly("put a");
    }

    @Test
    void closingCutsTheWatchAndIsNoFailure() {
        informer = configMaps();
        informer.start();
        Eventually.await(DEADLINE, "the watch", () -> informer.synced() && api.openWatches() == 1);

        informer.close();

        Eventually.await(DEADLINE, "the watch closed", () -> api.openWatches() == 0);
        assertThat(informer.failures()).isZero();
        assertThat(lines).isEmpty();
    }
}
