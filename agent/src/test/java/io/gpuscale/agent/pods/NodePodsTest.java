package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodePodsTest {
    private static final PodInfo TRAINER = new PodInfo("uid-t", "ml", "trainer", "Running");
    private static final PodInfo JOB = new PodInfo("uid-j", "batch", "job", "Succeeded");
    private static final PodInfo FAILED = new PodInfo("uid-f", "batch", "broken", "Failed");

    @Test
    void podsAreFoundByUidAndByNamespaceAndName() {
        NodePods pods = NodePods.of(List.of(TRAINER, JOB));

        assertThat(pods.byUid("uid-t")).hasValue(TRAINER);
        assertThat(pods.byName("batch", "job")).hasValue(JOB);
        assertThat(pods.byUid("uid-x")).isEmpty();
        assertThat(pods.byName("ml", "job")).isEmpty();
        assertThat(pods.size()).isEqualTo(2);
    }

    @Test
    void allIsSortedByNamespaceThenNameAndCannotBeChanged() {
        NodePods pods = NodePods.of(List.of(TRAINER, JOB, FAILED));

        assertThat(pods.all()).containsExactly(FAILED, JOB, TRAINER);
        assertThatThrownBy(() -> pods.all().add(TRAINER)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void laterChangesToTheGivenCollectionDoNotShowThrough() {
        List<PodInfo> given = new ArrayList<>(List.of(TRAINER));
        NodePods pods = NodePods.of(given);

        given.add(JOB);

        assertThat(pods.all()).containsExactly(TRAINER);
        assertThat(pods.byUid("uid-j")).isEmpty();
    }

    @Test
    void emptyHasNoPods() {
        assertThat(NodePods.empty().all()).isEmpty();
        assertThat(NodePods.of(List.of())).isSameAs(NodePods.empty());
    }

    @Test
    void onlySucceededAndFailedPodsHaveEnded() {
        assertThat(JOB.ended()).isTrue();
        assertThat(FAILED.ended()).isTrue();
        assertThat(TRAINER.ended()).isFalse();
        assertThat(new PodInfo("u", "ns", "p", "Pending").ended()).isFalse();
        assertThat(new PodInfo("u", "ns", "p", "").ended()).isFalse();
    }
}
