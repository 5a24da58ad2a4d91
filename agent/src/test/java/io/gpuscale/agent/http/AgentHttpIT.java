package io.gpuscale.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.agent.testing.Http;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AgentHttpIT {
    private static Agent agent;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090,rtx3060,h100"),
                "gpu-node-1", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
        base = "http://127.0.0.1:" + agent.port();
        Eventually.await(Duration.ofSeconds(30), "a first sample", () -> agent.snapshot().generation() > 0 ? 1 : null);
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    @Test
    void metricsServeThePrometheusTextFormatByDefault() {
        HttpResponse<byte[]> r = Http.get(base + "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String body = Http.text(r);
        assertThat(body).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\"")
                .contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"2\"")
                .contains("gpuscale_agent_sample_duration_seconds_count")
                .contains("jvm_memory_used_bytes")
                .doesNotContain("# EOF");
    }

    @Test
    void theDemoShowsPodsOnItsGpus() {
        String body = Http.text(Http.get(base + "/metrics"));
        assertThat(body).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\"")
                .contains("namespace=\"demo\",pod=\"llm-server-gpu-node-1-0\",container=\"server\"}")
                .contains("pod=\"embedder-gpu-node-1-1-a\",container=\"worker\",method=\"process\"}")
                .contains("pod=\"llm-server-gpu-node-1-2\",container=\"server\",method=\"exclusive\"}");
    }

    @Test
    void openMetricsIsServedWhenTheScraperAsksForIt() {
        HttpResponse<byte[]> r = Http.get(base + "/metrics", "Accept",
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertThat(r.headers().firstValue("content-type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        String body = Http.text(r);
        assertThat(body).endsWith("# EOF\n");
        assertThat(body.indexOf("# EOF")).isEqualTo(body.length() - "# EOF\n".length());
        assertThat(body).contains("# TYPE nvidia_gpu_energy_joules counter");
    }

    @Test
    void gzipIsServedWhenAccepted() throws IOException {
        HttpResponse<byte[]> r = Http.get(base + "/metrics", "Accept-Encoding", "gzip");
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("nvidia_gpu_up{");
        }
    }

    @Test
    void valuesMoveFromSampleToSample() {
        String first = Http.text(Http.get(base + "/metrics"));
        Eventually.await(Duration.ofSeconds(30), "a newer sample",
                () -> Http.text(Http.get(base + "/metrics")).equals(first) ? null : 1);
    }

    @Test
    void healthAndReadiness() {
        assertThat(Http.get(base + "/healthz").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> ready = Http.get(base + "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(Http.text(ready)).startsWith("ok: 3 GPUs, 3 up");
    }

    @Test
    void unknownPathsAre404() {
        assertThat(Http.get(base + "/metricz").statusCode()).isEqualTo(404);
    }

    @Test
    void gzipPreferenceIsReadFromTheHeader() {
        assertThat(AgentHttpServer.acceptsGzip("gzip, deflate")).isTrue();
        assertThat(AgentHttpServer.acceptsGzip("deflate, gzip;q=0.5")).isTrue();
        assertThat(AgentHttpServer.acceptsGzip("gzip;q=0")).isFalse();
        assertThat(AgentHttpServer.acceptsGzip("identity")).isFalse();
        assertThat(AgentHttpServer.acceptsGzip(null)).isFalse();
    }
}
