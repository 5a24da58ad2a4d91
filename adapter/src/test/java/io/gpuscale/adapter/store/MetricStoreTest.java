package io.gpuscale.adapter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.scrape.DcgmTranslation;
import io.gpuscale.adapter.scrape.ParseReport;
import io.gpuscale.adapter.scrape.PrometheusTextParser;
import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricStoreTest {
    private static final String UUID0 = "GPU-e1f3fb10";
    private static final String UUID1 = "GPU-02ca2a4f";

    /** The agent's exposition, trimmed: an exclusively held GPU 0 and a time-sliced GPU 1. */
    private static String agent(String node, double util0, double util1, double sampleSeconds) {
        return """
                # TYPE nvidia_gpu_info gauge
                nvidia_gpu_info{node="%1$s",gpu="0",uuid="%2$s",model="NVIDIA GeForce RTX 4090",brand="geforce"} 1
                nvidia_gpu_info{node="%1$s",gpu="1",uuid="%3$s",model="NVIDIA GeForce RTX 3060",brand="geforce"} 1
                # TYPE nvidia_gpu_utilization_percent gauge
                nvidia_gpu_utilization_percent{node="%1$s",gpu="0",uuid="%2$s",namespace="demo",pod="llm-0",container="server"} %4$s
                nvidia_gpu_utilization_percent{node="%1$s",gpu="1",uuid="%3$s"} %5$s
                nvidia_gpu_memory_total_bytes{node="%1$s",gpu="0",uuid="%2$s"} 25757220864
                nvidia_gpu_memory_used_bytes{node="%1$s",gpu="0",uuid="%2$s",namespace="demo",pod="llm-0",container="server"} 1000
                nvidia_gpu_memory_used_bytes{node="%1$s",gpu="1",uuid="%3$s"} 2000
                nvidia_gpu_pod_utilization_percent{node="%1$s",gpu="0",uuid="%2$s",namespace="demo",pod="llm-0",container="server",method="exclusive"} %4$s
                nvidia_gpu_pod_utilization_percent{node="%1$s",gpu="1",uuid="%3$s",namespace="demo",pod="emb-a",container="worker",method="process"} 46
                nvidia_gpu_pod_utilization_percent{node="%1$s",gpu="1",uuid="%3$s",namespace="demo",pod="emb-b",container="worker",method="process"} 32
                nvidia_gpu_pod_memory_used_bytes{node="%1$s",gpu="1",uuid="%3$s",namespace="demo",pod="emb-a",container="worker",method="process"} 700
                # TYPE gpuscale_agent_last_sample_timestamp_seconds gauge
                gpuscale_agent_last_sample_timestamp_seconds %6$s
                """.formatted(node, UUID0, UUID1, util0, util1, sampleSeconds);
    }

    private static ParseReport scrape(MetricStore store, String target, String node, String body, long receivedAt) {
        ScrapeBatch batch = store.begin(target, node, receivedAt);
        ParseReport report = new PrometheusTextParser().parse(body.getBytes(StandardCharsets.UTF_8), DcgmTranslation.wrap(batch));
        batch.commit();
        return report;
    }

    @Test
    void podReadingsCarryTheAgentsSampleTimeToTheMillisecond() {
        MetricStore store = new MetricStore();
        scrape(store, "http://10.0.0.1:9400/metrics", "mainpc", agent("mainpc", 52, 78, 1795459204.622), 1_800_000_000_000L);

        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "mainpc", "demo", "llm-0"))
                .containsExactly(new Reading(52, 1795459204622L));
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "mainpc", "demo", "emb-b"))
                .containsExactly(new Reading(32, 1795459204622L));
        assertThat(store.pod("nvidia_gpu_pod_memory_used_bytes", "mainpc", "demo", "emb-a"))
                .containsExactly(new Reading(700, 1795459204622L));
    }

    @Test
    void withoutTheAgentsSampleTimeReadingsTakeTheTimeTheScrapeArrived() {
        MetricStore store = new MetricStore();
        String body = agent("mainpc", 52, 78, 0).replaceAll("(?m)^gpuscale_agent_last_sample_timestamp_seconds.*$", "");
        scrape(store, "t", null, body, 1_800_000_000_123L);

        assertThat(store.node("nvidia_gpu_utilization_percent", "mainpc"))
                .containsExactly(new Reading(52, 1_800_000_000_123L), new Reading(78, 1_800_000_000_123L));
    }

    @Test
    void onlyTheServedFamiliesAreKept() {
        MetricStore store = new MetricStore();
        ParseReport report = scrape(store, "t", "mainpc", agent("mainpc", 1, 2, 1), 0);
        assertThat(report.skipped()).isEqualTo(1); // memory_total
        assertThat(store.snapshot("t").orElseThrow().series()).isEqualTo(8);
        assertThat(store.gpus("nvidia_gpu_memory_total_bytes")).isEmpty();
    }

    @Test
    void gpuReadingsHaveTheirLabelsAndTheModelJoinedFromInfo() {
        MetricStore store = new MetricStore();
        scrape(store, "t", "mainpc", agent("mainpc", 52, 78, 1000), 0);

        List<GpuReading> gpus = store.gpus("nvidia_gpu_utilization_percent");
        assertThat(gpus).hasSize(2);
        assertThat(gpus.get(0).labels()).containsEntry("model", "NVIDIA-GeForce-RTX-4090").containsEntry("node", "mainpc")
                .containsEntry("uuid", UUID0).containsEntry("pod", "llm-0").doesNotContainKey("brand");
        assertThat(gpus.get(1).labels()).containsEntry("model", "NVIDIA-GeForce-RTX-3060").containsEntry("gpu", "1")
                .doesNotContainKey("pod");
        assertThat(gpus.get(1).reading()).isEqualTo(new Reading(78, 1_000_000));
    }

    @Test
    void aTargetsNextScrapeReplacesAllOfItsPreviousOne() {
        MetricStore store = new MetricStore();
        scrape(store, "t", "mainpc", agent("mainpc", 52, 78, 1000), 0);
        String llmGone = agent("mainpc", 10, 20, 1002).lines()
                .filter(l -> !l.contains("pod=\"llm-0\"")).reduce("", (a, b) -> a + b + "\n");
        scrape(store, "t", "mainpc", llmGone, 0);

        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "mainpc", "demo", "llm-0")).isEmpty();
        assertThat(store.node("nvidia_gpu_utilization_percent", "mainpc")).containsExactly(new Reading(20, 1_002_000));
        assertThat(store.snapshots()).hasSize(1);
    }

    @Test
    void podQueriesGoToThePodsNodeOnly() {
        MetricStore store = new MetricStore();
        scrape(store, "a", "mainpc", agent("mainpc", 52, 78, 1000), 0);
        scrape(store, "b", "pc2", agent("pc2", 11, 22, 2000), 0);

        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "pc2", "demo", "llm-0"))
                .containsExactly(new Reading(11, 2_000_000));
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "elsewhere", "demo", "llm-0")).isEmpty();
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "mainpc", "other", "llm-0")).isEmpty();
        assertThat(store.pod("no_such_metric", "mainpc", "demo", "llm-0")).isEmpty();
        assertThat(store.gpus("nvidia_gpu_utilization_percent")).hasSize(4);
    }

    @Test
    void theNodeComesFromDiscoveryElseFromTheSeries() {
        MetricStore store = new MetricStore();
        scrape(store, "static", null, agent("from-label", 1, 2, 1), 0);
        scrape(store, "live", "from-endpoint", agent("from-label-too", 3, 4, 1), 0);

        assertThat(store.snapshot("static").orElseThrow().node()).isEqualTo("from-label");
        assertThat(store.snapshot("live").orElseThrow().node()).isEqualTo("from-endpoint");
        assertThat(store.gpus("nvidia_gpu_utilization_percent"))
                .filteredOn(g -> g.reading().value() == 3).singleElement()
                .satisfies(g -> assertThat(g.labels()).containsEntry("node", "from-endpoint"));
    }

    @Test
    void aTargetThatMovesToAnotherNodeLeavesTheOldOne() {
        MetricStore store = new MetricStore();
        scrape(store, "t", "n1", agent("n1", 1, 2, 1), 0);
        scrape(store, "t", "n2", agent("n2", 1, 2, 1), 0);

        assertThat(store.node("nvidia_gpu_utilization_percent", "n1")).isEmpty();
        assertThat(store.node("nvidia_gpu_utilization_percent", "n2")).hasSize(2);
    }

    @Test
    void twoTargetsOnOneNodeAreBothAnswered() {
        MetricStore store = new MetricStore();
        scrape(store, "old-agent-pod", "n1", agent("n1", 1, 2, 1), 0);
        scrape(store, "new-agent-pod", "n1", agent("n1", 3, 4, 2), 0);

        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "demo", "llm-0"))
                .extracting(Reading::value).containsExactlyInAnyOrder(1.0, 3.0);
        store.remove("old-agent-pod");
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "demo", "llm-0"))
                .containsExactly(new Reading(3, 2000));
    }

    @Test
    void targetsThatLeaveDiscoveryAreDropped() {
        MetricStore store = new MetricStore();
        scrape(store, "a", "n1", agent("n1", 1, 2, 1), 0);
        scrape(store, "b", "n2", agent("n2", 1, 2, 1), 0);
        store.retainTargets(Set.of("b"));

        assertThat(store.targets()).containsExactly("b");
        assertThat(store.node("nvidia_gpu_utilization_percent", "n1")).isEmpty();
        assertThat(store.gpus("nvidia_gpu_utilization_percent")).hasSize(2);
    }

    @Test
    void aBatchNeverCommittedChangesNothing() {
        MetricStore store = new MetricStore();
        scrape(store, "t", "n1", agent("n1", 1, 2, 1), 0);
        ScrapeBatch abandoned = store.begin("t", "n1", 0);
        new PrometheusTextParser().parse(agent("n1", 9, 9, 5).getBytes(StandardCharsets.UTF_8), abandoned);

        assertThat(store.node("nvidia_gpu_utilization_percent", "n1")).extracting(Reading::value).containsExactly(1.0, 2.0);
    }

    @Test
    void dcgmExporterScrapesServeTheSameQueries() {
        MetricStore store = new MetricStore();
        scrape(store, "dcgm", null, """
                DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-aaa",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a",container="c",namespace="ml",pod="train-1"} 87
                DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-aaa",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a",container="c",namespace="ml",pod="train-1"} 1
                """, 42);

        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "node-a", "ml", "train-1")).containsExactly(new Reading(87, 42));
        assertThat(store.pod("nvidia_gpu_pod_memory_used_bytes", "node-a", "ml", "train-1")).containsExactly(new Reading(1048576, 42));
        assertThat(store.gpus("nvidia_gpu_utilization_percent")).singleElement()
                .satisfies(g -> assertThat(g.labels()).containsEntry("model", "NVIDIA-A100-SXM4-80GB").containsEntry("node", "node-a"));
    }

    @Test
    void linesWithTheirOwnTimestampsKeepThemWhenTheAgentGivesNoSampleTime() {
        MetricStore store = new MetricStore();
        scrape(store, "t", "n1", """
                nvidia_gpu_utilization_percent{gpu="0",uuid="GPU-a"} 10 1700000000001
                nvidia_gpu_utilization_percent{gpu="1",uuid="GPU-b"} 20
                nvidia_gpu_pod_utilization_percent{gpu="0",uuid="GPU-a",namespace="ns",pod="p"} 30 1700000000003
                """, 5);

        assertThat(store.node("nvidia_gpu_utilization_percent", "n1"))
                .containsExactly(new Reading(10, 1700000000001L), new Reading(20, 5));
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "ns", "p"))
                .containsExactly(new Reading(30, 1700000000003L));
    }

    @Test
    void everyPodOfABusyNodeIsFoundWithItsOwnReadingsInExpositionOrder() {
        StringBuilder body = new StringBuilder();
        for (int k = 59; k >= 0; k--) { // pods out of name order, over three namespaces, two GPUs each
            for (int g = 0; g < 2; g++) {
                body.append("nvidia_gpu_pod_utilization_percent{gpu=\"").append(g).append("\",uuid=\"GPU-").append(g)
                        .append("\",namespace=\"ns-").append(k % 3).append("\",pod=\"pod-").append(k)
                        .append("\",container=\"main\",method=\"process\"} ").append(k * 10 + g).append('\n');
            }
        }
        body.append("nvidia_gpu_pod_memory_used_bytes{gpu=\"0\",uuid=\"GPU-0\",namespace=\"ns-1\",pod=\"pod-7\"} 99\n");
        MetricStore store = new MetricStore();
        scrape(store, "t", "n1", body.toString(), 1);

        for (int k = 0; k < 60; k++) {
            assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "ns-" + (k % 3), "pod-" + k))
                    .as("pod-" + k).extracting(Reading::value).containsExactly(k * 10.0, k * 10.0 + 1);
            assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "ns-" + ((k + 1) % 3), "pod-" + k)).isEmpty();
        }
        assertThat(store.pod("nvidia_gpu_pod_memory_used_bytes", "n1", "ns-1", "pod-7")).containsExactly(new Reading(99, 1));
        assertThat(store.pod("nvidia_gpu_pod_memory_used_bytes", "n1", "ns-1", "pod-4")).isEmpty();
        assertThat(store.pod("nvidia_gpu_pod_utilization_percent", "n1", "ns-0", "pod-60")).isEmpty();
        assertThat(store.gpus("nvidia_gpu_pod_utilization_percent")).hasSize(120).first()
                .satisfies(g -> assertThat(g.labels()).containsEntry("pod", "pod-59").containsEntry("namespace", "ns-2")
                        .containsEntry("method", "process").containsEntry("node", "n1").containsEntry("gpu", "0"));
    }
}
