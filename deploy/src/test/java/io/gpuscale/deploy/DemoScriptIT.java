package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/demo.sh as a new user runs it, bounded with GPUSCALE_DEMO_SECONDS: the real jars (built
 * by the reactor before this phase), two agents on simulated GPUs and the adapter. It must show the
 * seed HPA scaling up, pc2's taint in explain and live GPU-load scores, and refuse to start on a
 * taken port with one line.
 */
class DemoScriptIT {
    /** Startup of three JVMs plus about 32 s of rising load on a busy 2-core machine, with room. */
    private static final long DEADLINE_SECONDS = 420;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void theJarsAreBuilt() {
        for (String jar : List.of("agent.jar", "adapter.jar")) {
            Path p = Path.of(System.getProperty(jar, "missing"));
            assertThat(p).as(jar + " (failsafe runs after the reactor's package phase)").isRegularFile();
        }
        Path script = Manifests.repo().resolve("scripts/demo.sh");
        assertThat(Files.isExecutable(script)).as(script + " is executable").isTrue();
    }

    private record Run(int exit, String out, String err) {
    }

    /** Four ports free now, for the adapter, the two agents and the adapter's /metrics. */
    private static List<Integer> freePorts() throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports.add(s.getLocalPort());
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static Run demo(List<Integer> ports, Map<String, String> extra) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Manifests.repo().resolve("scripts/demo.sh").toString());
        Map<String, String> env = pb.environment();
        env.put("GPUSCALE_DEMO_ADAPTER_PORT", ports.get(0).toString());
        env.put("GPUSCALE_DEMO_MAINPC_PORT", ports.get(1).toString());
        env.put("GPUSCALE_DEMO_PC2_PORT", ports.get(2).toString());
        env.put("GPUSCALE_DEMO_METRICS_PORT", ports.get(3).toString());
        env.putAll(extra);
        Path out = Files.createTempFile(tmp, "demo", ".out");
        Path err = Files.createTempFile(tmp, "demo", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("demo.sh did not finish within " + DEADLINE_SECONDS + " s; it printed:\n"
                    + Files.readString(out) + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void theDemoShowsTheHpaScalingUpTheTaintAndLiveScoresThenStops() throws Exception {
        List<Integer> ports = freePorts();
        Map<String, String> env = new HashMap<>();
        env.put("GPUSCALE_DEMO_SECONDS", "90");

        Run r = demo(ports, env);

        String all = r.out() + r.err();
        assertThat(r.exit()).as(all).isZero();
        assertThat(r.err()).as("nothing on stderr").isEmpty();
        // 1. the seed HPA's decision as the load crosses 70 × 1.1 (about 32 s in, until about 100 s)
        assertThat(r.out()).as(all).containsPattern(
                "HPA: nvidia_gpu_utilization_percent: mean [\\d.]+ of 2 pods vs target 70 \\(ratio 1\\.[1-9]\\d*\\) "
                        + "→ ceil\\([\\d.]+ × 2\\) = 3 ⇒ scale up 2 → 3");
        // 2. pc2's taint, in explain's words
        assertThat(r.out()).contains("0/2 nodes are available: 1 Insufficient nvidia.com/gpu, "
                + "1 node(s) had untolerated taint(s).")
                .containsPattern("pc2\\s+no\\s+-\\s+TaintToleration")
                .contains("TaintToleration  untolerated taint nvidia.com/gpu=present:NoSchedule");
        // 3. scores per node from the running adapter, with live GPU load
        assertThat(r.out()).containsPattern("(?m)^ {4}pc2\\s+feasible\\s+score \\d+ \\(GPU score \\d+\\)$")
                .containsPattern("(?m)^ {4}mainpc\\s+refused\\s+NodeResourcesFit: Insufficient nvidia.com/gpu")
                .containsPattern("advisor: pc2 feasible score \\d+ \\(GPU score \\d+\\)");
        assertThat(r.out()).contains("https://127.0.0.1:" + ports.get(0))
                .contains("demo done after 90s (GPUSCALE_DEMO_SECONDS); stopping.");
        assertThat(all).doesNotContain("Exception").doesNotContainPattern("(?m)^\\s+at ");
        for (int port : ports.subList(0, 3)) {
            assertThat(listening(port)).as("port " + port + " is released when the demo ends").isFalse();
        }
    }

    @Test
    void aTakenAdapterPortStopsTheDemoBeforeItStartsWithOneLineNamingThePort() throws Exception {
        List<Integer> ports = freePorts();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(0)));

            Run r = demo(ports, Map.of("GPUSCALE_DEMO_SECONDS", "30"));

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().lines().toList()).singleElement().asString()
                    .startsWith("demo.sh: port " + ports.get(0) + " (adapter HTTPS) is already in use")
                    .contains("GPUSCALE_DEMO_ADAPTER_PORT");
            assertThat(r.err()).doesNotContain("Exception");
            assertThat(listening(ports.get(1))).as("no agent was started").isFalse();
        }
    }

    @Test
    void aBadSettingIsOneLineAndExit2() throws Exception {
        Run r = demo(freePorts(), Map.of("GPUSCALE_DEMO_SECONDS", "soon"));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip())
                .isEqualTo("demo.sh: GPUSCALE_DEMO_SECONDS must be a whole number from 1 to 86400, got 'soon'");
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
