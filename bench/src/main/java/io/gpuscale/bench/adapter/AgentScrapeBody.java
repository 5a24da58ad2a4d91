package io.gpuscale.bench.adapter;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.bench.PodLayout;
import io.gpuscale.bench.SimNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One agent scrape body (text format 0.0.4), as an adapter receives it. */
public final class AgentScrapeBody {
    private AgentScrapeBody() {
    }

    /**
     * Starts a real agent on {@code sim:h100x8} (its sim pods: 4 exclusive, 8 time-sliced), scrapes
     * {@code /metrics} once it has sampled with pods, and stops it.
     */
    public static byte[] fromSimAgent() throws Exception {
        Agent agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:h100x8"), "node-1",
                Duration.ofMillis(500), AgentConfig.DEFAULT_NVML_LIBRARY));
        try {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                String text = new String(r.body(), StandardCharsets.UTF_8);
                if (r.statusCode() == 200 && text.contains("nvidia_gpu_pod_utilization_percent{")
                        && text.contains("gpuscale_agent_last_sample_timestamp_seconds ")) {
                    return r.body();
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the sim agent served no pod series within 20 s");
        } finally {
            agent.close();
        }
    }

    /**
     * The agent's full text body (GPU series and its own meters) for 8 simulated H100s and
     * {@code pods} pods laid out by {@link PodLayout} (4 exclusive GPUs, the rest time-sliced).
     */
    public static byte[] rendered(int pods) {
        NodeSnapshot base = SimNode.h100(8);
        PodLayout layout = PodLayout.of(base.gpus(), pods, "pod", 100_000, base.timestampMillis() * 1000);
        NodeSnapshot snapshot = new NodeSnapshot(1, base.timestampMillis(), base.node(), base.source(), base.driver(),
                layout.gpus(), layout.attribute());
        AgentMetrics metrics = new AgentMetrics("sim");
        metrics.sampleTaken(base.timestampMillis(), Duration.ofMillis(1), true);
        ExpositionRenderer renderer = new ExpositionRenderer(new GpuExpositionWriter(SimNode.NODE), metrics);
        return renderer.render(snapshot, ExpositionFormat.PROMETHEUS_TEXT);
    }
}
