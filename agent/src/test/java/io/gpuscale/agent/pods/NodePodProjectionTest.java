package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodePodProjectionTest {
    private static V1Pod pod(String node, String phase) {
        return new V1Pod()
                .metadata(new V1ObjectMeta().namespace("ml").name("trainer").uid("uid-1").resourceVersion("42")
                        .labels(Map.of("app", "trainer")).annotations(Map.of("note", "x".repeat(4096))))
                .spec(new V1PodSpec().nodeName(node).containers(List.of(new V1Container().name("main").image("cuda"))))
                .status(phase == null ? null : new V1PodStatus().phase(phase).podIP("10.0.0.7"));
    }

    @Test
    void slimKeepsOnlyTheKeyUidNodeAndPhaseAndLeavesTheOriginalAlone() {
        V1Pod full = pod("node-a", "Running");

        V1Pod slim = NodePodProjection.slim(full);

        assertThat(slim).isEqualTo(new V1Pod()
                .metadata(new V1ObjectMeta().namespace("ml").name("trainer").uid("uid-1"))
                .spec(new V1PodSpec().nodeName("node-a"))
                .status(new V1PodStatus().phase("Running")));
        assertThat(full.getSpec().getContainers()).hasSize(1);
        assertThat(full.getMetadata().getAnnotations()).containsKey("note");
    }

    @Test
    void aPodOnThisNodeBecomesItsInfo() {
        assertThat(NodePodProjection.info(NodePodProjection.slim(pod("node-a", "Succeeded")), "node-a"))
                .hasValue(new PodInfo("uid-1", "ml", "trainer", "Succeeded"));
    }

    @Test
    void aPodOfAnotherNodeOrNotYetScheduledIsLeftOut() {
        assertThat(NodePodProjection.info(pod("node-b", "Running"), "node-a")).isEmpty();
        assertThat(NodePodProjection.info(pod(null, "Pending"), "node-a")).isEmpty();
        assertThat(NodePodProjection.info(new V1Pod().metadata(new V1ObjectMeta().namespace("ml").name("x").uid("u")),
                "node-a")).isEmpty();
    }

    @Test
    void aPodWithoutUidIsLeftOutAndOneWithoutPhaseHasAnEmptyPhase() {
        V1Pod noUid = pod("node-a", "Running");
        noUid.getMetadata().setUid(null);

        assertThat(NodePodProjection.info(noUid, "node-a")).isEmpty();
        assertThat(NodePodProjection.info(pod("node-a", null), "node-a").map(PodInfo::phase)).hasValue("");
    }
}
