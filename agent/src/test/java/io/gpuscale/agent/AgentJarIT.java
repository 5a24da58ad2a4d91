package io.gpuscale.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.Eventually;
import io.gpuscale.agent.testing.Http;
import io.gpuscale.common.testing.JsonLines;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar as a user runs it: {@code java -jar gpuscale-agent.jar ...}. */
class AgentJarIT {
    @TempDir
    Path dir;

    private Process start(Path log, String... flags) throws IOException {
        return start(log, null, flags);
    }

    /** With {@code control} set, the fake NVML library is steered through that file while the agent runs. */
    private Process start(Path log, Path control, String... flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-jar", System.getProperty("agent.jar")));
        cmd.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (control != null) {
            pb.environment().put("FAKE_NVML_CONTROL", control.toString());
        }
        return pb.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void missingLibraryLogsOneClearLineAndKeepsServingItsOwnMetrics() throws Exception {
        int port = freePort();
        Path log = dir.resolve("agent.log");
        Process agent = start(log, "--source", "nvml", "--nvml-library", dir.resolve("libnvidia-ml.so.1").toString(),
                "--listen", "127.0.0.1:" + port, "--node-name", "gpu-node-1", "--interval", "200ms");
        try {
            String base = "http://127.0.0.1:" + port;
            HttpResponse<byte[]> ready = Eventually.await(Duration.ofSeconds(30), "the agent to answer",
                    () -> Http.get(base + "/readyz"));
            Eventually.await(Duration.ofSeconds(30), "a first sample",
                    () -> Http.text(Http.get(base + "/readyz")).contains("LIBRARY_NOT_FOUND") ? 1 : null);
            ready = Http.get(base + "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(Http.get(base + "/healthz").statusCode()).isEqualTo(200);
            String metrics = Http.text(Http.get(base + "/metrics"));
            assertThat(metrics).contains("nvidia_gpu_devices{node=\"gpu-node-1\"} 0")
                    .contains("gpuscale_agent_source_up{source=\"nvml\"} 0")
                    .contains("gpuscale_agent_sample_duration_seconds_count");
            // Retries keep failing for a while: still exactly one line about it.
            Eventually.await(Duration.ofSeconds(30), "a few retries", () -> Http.text(Http.get(base + "/metrics"))
                    .contains("gpuscale_agent_source_open_failures_total{source=\"nvml\"} 3") ? 1 : null);
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        String out = Files.readString(log);
        assertThat(out.lines().filter(l -> l.contains("LIBRARY_NOT_FOUND"))).hasSize(1);
        assertThat(out).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out).contains("GPU source released");
    }

    @Test
    void jsonLogFormatWritesEveryLineAsOneObjectWithItsContext() throws Exception {
        int port = freePort();
        Path log = dir.resolve("json.log");
        Process agent = start(log, "--source", "nvml", "--nvml-library", dir.resolve("libnvidia-ml.so.1").toString(),
                "--listen", "127.0.0.1:" + port, "--node-name", "gpu-node-1", "--interval", "200ms",
                "--log-format", "json");
        try {
            String base = "http://127.0.0.1:" + port;
            Eventually.await(Duration.ofSeconds(30), "a first sample",
                    () -> Http.text(Http.get(base + "/readyz")).contains("LIBRARY_NOT_FOUND") ? 1 : null);
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).isNotEmpty();
        List<Map<String, Object>> objects = lines.stream().map(JsonLines::logLine).toList();
        assertThat(objects).anySatisfy(o -> assertThat(o).containsEntry("level", "info")
                .containsEntry("logger", "io.gpuscale.agent.AgentMain").containsEntry("msg", "gpuscale agent serving")
                .containsEntry("node", "gpu-node-1").containsEntry("metrics", "http://127.0.0.1:" + port + "/metrics"));
        assertThat(objects).filteredOn(o -> "LIBRARY_NOT_FOUND".equals(o.get("code"))).singleElement()
                .satisfies(o -> assertThat(o).containsEntry("level", "warn").containsEntry("node", "gpu-node-1")
                        .containsEntry("source", "nvml").containsKey("reason"));
        assertThat(objects).anySatisfy(o -> assertThat(o.get("msg")).isEqualTo("stopped sampling; GPU source released"));
    }

    @Test
    void badFlagExitsWithCode2AndNoStackTrace() throws Exception {
        Path log = dir.resolve("bad.log");
        Process agent = start(log, "--interval", "fast");
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).isEqualTo(2);
        String out = Files.readString(log);
        assertThat(out).isEqualTo("gpuscale-agent: invalid value for --interval: 'fast' is not a duration "
                + "(use a number with ms, s, m or h, e.g. 500ms, 1s, 2m) (see --help)\n");
    }

    @Test
    void portInUseIsOneClearLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path log = dir.resolve("busy.log");
            Process agent = start(log, "--source", "sim", "--listen", "127.0.0.1:" + taken.getLocalPort(),
                    "--node-name", "n1");
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.exitValue()).isEqualTo(1);
            String out = Files.readString(log);
            assertThat(out).contains("gpuscale-agent: cannot listen on 127.0.0.1:" + taken.getLocalPort());
            assertThat(out).doesNotContain("\tat ");
        }
    }

    @Test
    void realBindingServesTheFakeDriversGpus() throws Exception {
        int port = freePort();
        Path log = dir.resolve("nvml.log");
        Process agent = start(log, "--source", "nvml",
                "--nvml-library", Path.of(System.getProperty("fake.nvml.dir"), "libnvidia-ml.so.1").toString(),
                "--listen", "127.0.0.1:" + port, "--node-name", "gpu-node-1", "--interval", "200ms");
        try {
            String base = "http://127.0.0.1:" + port;
            String metrics = Eventually.await(Duration.ofSeconds(30), "GPU series", () -> {
                String m = Http.text(Http.get(base + "/metrics"));
                return m.contains("nvidia_gpu_utilization_percent{") ? m : null;
            });
            assertThat(metrics).contains("model=\"NVIDIA GeForce RTX 4090\"")
                    .contains("model=\"NVIDIA GeForce RTX 3060\"")
                    .contains("nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\"");
            assertThat(Http.get(base + "/readyz").statusCode()).isEqualTo(200);
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log)).contains("GPU source released").doesNotContain("\tat ");
    }

    /**
     * A GPU lost while the agent runs (its handle still answers, but GPU_IS_LOST even for its UUID,
     * as after Xid 79) stays one GPU, down, with its UUID through NVML's re-inits: no second device
     * without UUID, Xid 79 counted once; back, it is as before; removed from the bus, its series go.
     */
    @Test
    void aGpuLostBackAndRemovedWhileTheAgentRunsKeepsItsIdentity() throws Exception {
        int port = freePort();
        Path log = dir.resolve("lost.log");
        Path control = dir.resolve("fake-nvml.control");
        Files.writeString(control, "count 2\n");
        Process agent = start(log, control, "--source", "nvml",
                "--nvml-library", Path.of(System.getProperty("fake.nvml.dir"), "libnvidia-ml.so.1").toString(),
                "--listen", "127.0.0.1:" + port, "--node-name", "gpu-node-1", "--interval", "200ms",
                "--pod-attribution", "false");
        try {
            String base = "http://127.0.0.1:" + port;
            String before = Eventually.await(Duration.ofSeconds(30), "both GPUs up", () -> {
                String m = Http.text(Http.get(base + "/metrics"));
                return m.contains("nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\"") && m.contains("} 1\n") ? m : null;
            });
            String uuid1 = label(line(before, "nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\""), "uuid");

            Files.writeString(control, "count 2\nlost 1 2\n");
            String lost = Eventually.await(Duration.ofSeconds(30), "GPU 1 down", () -> {
                String m = Http.text(Http.get(base + "/metrics"));
                return line(m, "nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\"").endsWith(" 0") ? m : null;
            });
            // Let NVML be re-initialized a few times (1 s, then 2 s, 4 s of backoff) while the GPU stays lost.
            Thread.sleep(4_000);
            String stillLost = Http.text(Http.get(base + "/metrics"));
            for (String m : List.of(lost, stillLost)) {
                assertThat(m).contains("nvidia_gpu_devices{node=\"gpu-node-1\"} 2")
                        .doesNotContain("uuid=\"\"");
                assertThat(label(line(m, "nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\""), "uuid")).isEqualTo(uuid1);
                assertThat(m.lines().filter(l -> l.startsWith("nvidia_gpu_up{"))).hasSize(2);
            }
            assertThat(line(stillLost, "nvidia_gpu_xid_errors_total{")).contains("xid=\"79\"").endsWith(" 1");
            assertThat(Http.text(Http.get(base + "/readyz"))).doesNotContain("3 GPUs");

            Files.writeString(control, "count 2\nlost 1 0\n");
            String back = Eventually.await(Duration.ofSeconds(90), "GPU 1 back (within a re-init backoff)", () -> {
                String m = Http.text(Http.get(base + "/metrics"));
                return line(m, "nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\"").endsWith(" 1") ? m : null;
            });
            assertThat(label(line(back, "nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\""), "uuid")).isEqualTo(uuid1);
            assertThat(back.lines().filter(l -> l.startsWith("nvidia_gpu_up{"))).hasSize(2);
            assertThat(line(back, "nvidia_gpu_xid_errors_total{")).endsWith(" 1");

            Files.writeString(control, "count 2\nlost 1 2\n");
            Eventually.await(Duration.ofSeconds(30), "GPU 1 down again", () -> line(Http.text(Http.get(
                    base + "/metrics")), "nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\"").endsWith(" 0") ? 1 : null);
            Files.writeString(control, "count 1\nlost 1 2\n");
            String gone = Eventually.await(Duration.ofSeconds(90), "GPU 1 gone from the bus", () -> {
                String m = Http.text(Http.get(base + "/metrics"));
                return m.contains("nvidia_gpu_devices{node=\"gpu-node-1\"} 1") && !m.contains(uuid1 + "\"") ? m : null;
            });
            assertThat(gone.lines().filter(l -> l.startsWith("nvidia_gpu_up{"))).hasSize(1).allMatch(l -> l.endsWith(" 1"));
            assertThat(Http.get(base + "/readyz").statusCode()).isEqualTo(200);
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log)).doesNotContain("\tat ");
    }

    /** The first sample line that starts with {@code prefix}, or "". */
    private static String line(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    private static String label(String line, String name) {
        int i = line.indexOf(name + "=\"");
        return i < 0 ? "" : line.substring(i + name.length() + 2, line.indexOf('"', i + name.length() + 2));
    }
}
