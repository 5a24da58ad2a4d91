package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NodePodJsonTest {
    private static byte[] bytes(JsonObject json) {
        return json.encode().getBytes(StandardCharsets.UTF_8);
    }

    private static NodePodJson.Event event(JsonObject json) throws IOException {
        byte[] b = bytes(json);
        return NodePodJson.event(b, 0, b.length);
    }

    @Test
    void aListKeepsTheKeyUidNodeAndPhaseOfEachPodAndTheListsVersionAndContinue() throws IOException {
        JsonObject list = new JsonObject().put("kind", "PodList")
                .put("metadata", new JsonObject().put("resourceVersion", "42").put("continue", "next"))
                .put("items", new io.vertx.core.json.JsonArray()
                        .add(PodObjects.pod("ml", "trainer", "uid-1", "node-a", "Running"))
                        .add(PodObjects.pod("ml", "pending", "uid-2", null, null)));

        NodePodJson.Page page = NodePodJson.page(bytes(list));

        assertThat(page.resourceVersion()).isEqualTo("42");
        assertThat(page.continueToken()).isEqualTo("next");
        assertThat(page.items()).containsExactly(
                new NodePodJson.Pod("ml", "trainer", "uid-1", "node-a", "Running"),
                new NodePodJson.Pod("ml", "pending", "uid-2", null, null));
    }

    @Test
    void theLastPageHasAnEmptyContinueToken() throws IOException {
        NodePodJson.Page page = NodePodJson.page(bytes(new JsonObject()
                .put("metadata", new JsonObject().put("resourceVersion", "7")).put("items", new io.vertx.core.json.JsonArray())));

        assertThat(page.items()).isEmpty();
        assertThat(page.continueToken()).isEmpty();
    }

    @Test
    void somethingElseThanAPodListIsAnError() {
        assertThatThrownBy(() -> NodePodJson.page("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a pod list");
        assertThatThrownBy(() -> NodePodJson.page("{\"kind\":\"Status\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a pod list");
        assertThatThrownBy(() -> NodePodJson.page("{\"items\":[".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void eventsCarryTheirTypePodAndVersionAndAnErrorItsStatus() throws IOException {
        NodePodJson.Event added = event(new JsonObject().put("type", "ADDED")
                .put("object", PodObjects.pod("ml", "trainer", "uid-1", "node-a", "Pending")
                        .put("metadata", new JsonObject().put("namespace", "ml").put("name", "trainer")
                                .put("uid", "uid-1").put("resourceVersion", "43"))));
        NodePodJson.Event bookmark = event(new JsonObject().put("type", "BOOKMARK")
                .put("object", new JsonObject().put("kind", "Pod").put("metadata", new JsonObject().put("resourceVersion", "50"))));
        NodePodJson.Event error = event(new JsonObject().put("type", "ERROR").put("object", new JsonObject()
                .put("kind", "Status").put("status", "Failure").put("code", 410).put("reason", "Expired")
                .put("message", "too old resource version: 1 (40)")));

        assertThat(added.type()).isEqualTo("ADDED");
        assertThat(added.pod()).isEqualTo(new NodePodJson.Pod("ml", "trainer", "uid-1", "node-a", "Pending"));
        assertThat(added.resourceVersion()).isEqualTo("43");
        assertThat(bookmark.resourceVersion()).isEqualTo("50");
        assertThat(error.code()).isEqualTo(410);
        assertThat(error.reason()).isEqualTo("Expired");
        assertThat(error.message()).startsWith("too old");
    }

    @Test
    void aPodOfAnotherNodeOrNotYetScheduledOrWithoutUidIsLeftOutAndOneWithoutPhaseHasAnEmptyPhase() {
        assertThat(new NodePodJson.Pod("ml", "t", "u", "node-a", "Succeeded").info("node-a"))
                .hasValue(new PodInfo("u", "ml", "t", "Succeeded"));
        assertThat(new NodePodJson.Pod("ml", "t", "u", "node-b", "Running").info("node-a")).isEmpty();
        assertThat(new NodePodJson.Pod("ml", "t", "u", null, "Pending").info("node-a")).isEmpty();
        assertThat(new NodePodJson.Pod("ml", "t", null, "node-a", "Running").info("node-a")).isEmpty();
        assertThat(new NodePodJson.Pod("ml", "t", "u", "node-a", null).info("node-a").map(PodInfo::phase)).hasValue("");
    }
}
