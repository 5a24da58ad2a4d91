package io.gpuscale.agent.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.agent.testing.Http;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.PrometheusServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus server (the Debian package) scrapes the agent on simulated GPUs. */
class PrometheusIT {
    @TempDir
    static Path dir;

    private static Agent agent;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void start() throws Exception {
        agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090@steady:80,rtx3060@idle"),
                "gpu-node-1", Duration.ofMillis(500), AgentConfig.DEFAULT_NVML_LIBRARY));
        prometheus = PrometheusServer.start(dir, PrometheusServer.staticJob("gpuscale-agent", "127.0.0.1:" + agent.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void seedMetricIsReadBackThroughPrometheusQueryApi() {
        String body = Eventually.await(Duration.ofSeconds(60), "Prometheus to have scraped both GPUs", () -> {
            String b = query("nvidia_gpu_utilization_percent");
            return b.split("\"__name__\":\"nvidia_gpu_utilization_percent\"", -1).length - 1 >= 2 ? b : null;
        });
        assertThat(body).contains("\"status\":\"success\"").contains("\"node\":\"gpu-node-1\"");
        Matcher m = Pattern.compile("\"gpu\":\"0\"[^}]*}\\s*,\\s*\"value\":\\[[0-9.]+,\"([0-9.]+)\"\\]").matcher(body);
        assertThat(m.find()).as("GPU 0's value in %s", body).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isEqualTo(80.0);
    }

    @Test
    void theScrapeIsHealthyInPrometheusEyes() {
        String up = Eventually.await(Duration.ofSeconds(60), "the target to be up", () -> {
            String b = query("up{job=\"gpuscale-agent\"}");
            return b.contains("\"1\"]") ? b : null;
        });
        assertThat(up).contains("\"instance\":\"127.0.0.1:" + agent.port() + "\"");
        String energy = Eventually.await(Duration.ofSeconds(60), "the energy counter",
                () -> {
                    String b = query("nvidia_gpu_energy_joules_total");
                    return b.contains("\"gpu\":\"1\"") ? b : null;
                });
        assertThat(energy).contains("\"uuid\":\"GPU-");
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        byte[] exposition = Http.get("http://127.0.0.1:" + agent.port() + "/metrics").body();
        Process promtool = new ProcessBuilder(PrometheusServer.promtool(), "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(exposition);
        promtool.getOutputStream().close();
        String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("promtool output").isEmpty();
        assertThat(promtool.exitValue()).isZero();
    }

    private static String query(String promql) {
        String answer = prometheus.query(promql);
        return answer == null ? "" : answer;
    }
}
