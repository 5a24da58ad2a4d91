package io.gpuscale.adapter.advisor.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.GpuLoadStatus;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.QuotaVerdict;
import io.gpuscale.adapter.advisor.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streamed JSON is the text the Gson tree gave, character for character. */
class ExplanationJsonTest {
    private static final Explanation FITS = new Explanation("demo", "trainer", new QuotaVerdict(true, null), null,
            new GpuLoadStatus(true, 2.5, null), List.of(new NodeVerdict("mainpc", true, null, List.of(), List.of(), false, 87, 100),
                    new NodeVerdict("pc2", false, "TaintToleration",
                            List.of(new Reason("TaintToleration", "untolerated taint gpu=rtx3060:NoSchedule"),
                                    new Reason("NodeResourcesFit", "Insufficient nvidia.com/gpu: requested 2, "
                                            + "allocatable 1, used 1")),
                            List.of("node(s) had untolerated taint {gpu: rtx3060}"), true, null, null)));
    private static final Explanation NOWHERE = new Explanation("ml", "odd \"name\" <&> é\t",
            new QuotaVerdict(false, "exceeded quota: gpus, requested: requests.nvidia.com/gpu=3, used: "
                    + "requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=4"),
            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
            List.of(new NodeVerdict("n'1", false, "NodeAffinity",
                    List.of(new Reason("NodeAffinity", "node(s) didn't match Pod's node affinity/selector: "
                            + "nodeSelector a=b (node has no label a)\n<br>")),
                    List.of("node(s) didn't match Pod's node affinity/selector"), true, null, null)));
    private static final Explanation EMPTY = new Explanation("default", "p", new QuotaVerdict(true, null),
            "no nodes available to schedule pods", new GpuLoadStatus(false, 47.0, GpuLoadStatus.UNKNOWN
                    + ": the last good read is 47 s old, older than 30 s; nodes are scored without it"), List.of());

    @Test
    void compactIsWhatTheTreeGave() {
        for (Explanation e : List.of(FITS, NOWHERE, EMPTY)) {
            assertThat(ExplanationJson.render(e)).isEqualTo(ExplanationJson.renderTree(e, false));
        }
    }

    @Test
    void gpuLoadIsAlwaysThereWithEveryField() {
        assertThat(ExplanationJson.render(FITS)).contains(
                "\"fitError\":null,\"gpuLoad\":{\"known\":true,\"ageSeconds\":2.5,\"message\":null},\"nodes\":");
        assertThat(ExplanationJson.render(NOWHERE)).contains(
                "\"gpuLoad\":{\"known\":false,\"ageSeconds\":null,\"message\":\"GPU load not read\"}");
        assertThat(ExplanationJson.render(EMPTY)).contains("\"known\":false,\"ageSeconds\":47.0,"
                + "\"message\":\"GPU load unknown: the last good read is 47 s old");
    }

    @Test
    void prettyIsWhatTheTreeGave() {
        for (Explanation e : List.of(FITS, NOWHERE, EMPTY)) {
            assertThat(ExplanationJson.renderPretty(e)).isEqualTo(ExplanationJson.renderTree(e, true));
        }
    }
}
