package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.ServedMetric;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Probe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's shaded jar started with the DaemonSet's args and env, as each rendering has them
 * (every distinct command line once), and seen to serve: its probes' paths answer, /metrics has
 * the series the example HPAs' metric is computed from. Two substitutions, because there is no GPU
 * and no free port 9410 here: --source=sim instead of nvml, --listen on a free loopback port. The
 * PodResources socket does not exist on this machine: the agent serves without pod attribution.
 */
class KustomizeAgentIT {
    static Stream<Arguments> agents() {
        Map<String, Arguments> distinct = new LinkedHashMap<>();
        for (KustomizeRender r : KustomizeTest.renders()) {
            V1Container c = r.agent().getSpec().getTemplate().getSpec().getContainers().get(0);
            distinct.putIfAbsent(c.getArgs() + " " + PodEnv.of(c.getEnv()), Arguments.of(r.name(), c));
        }
        return distinct.values().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("agents")
    void theAgentServesWithTheDaemonSetsArgsAndEnv(String render, V1Container c, @TempDir Path dir) throws Exception {
        int port = Jvm.freePort();
        List<String> args = new ArrayList<>();
        for (String a : ContainerArgs.of(c)) {
            args.add(a.equals("--source=nvml") ? "--source=sim"
                    : a.startsWith("--listen=") ? "--listen=127.0.0.1:" + port : a);
        }
        assertThat(args).as(render).contains("--source=sim", "--listen=127.0.0.1:" + port);
        Map<String, String> env = PodEnv.of(c.getEnv());
        try (Jvm agent = Jvm.start("agent.jar", args, env, dir.resolve("agent.log"))) {
            String base = "http://127.0.0.1:" + port;
            agent.awaitOk(base + "/readyz");
            for (V1Probe probe : new V1Probe[] {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
                assertThat(probe.getHttpGet().getPort().getStrValue()).isEqualTo("metrics");
                assertThat(Jvm.get(base + probe.getHttpGet().getPath()).statusCode())
                        .as("%s: probe %s", render, probe.getHttpGet().getPath()).isEqualTo(200);
            }
            String metrics = agent.awaitOk(base + "/metrics").body();
            assertThat(metrics).contains("node=\"" + PodEnv.FIELDS.get("spec.nodeName") + "\"");
            for (String name : KustomizeExamples.hpaPodMetrics()) {
                ServedMetric served = ServedMetric.byName(name).orElseThrow(() -> new AssertionError(
                        "the example HPAs' metric " + name + " is not one the adapter serves"));
                assertThat(ServedMetric.forPods()).contains(served);
                assertThat(metrics).as("the series %s (the adapter's %s) in the agent's /metrics", served.gpuSeries(),
                        name).containsPattern("(?m)^" + served.gpuSeries() + "\\{");
                assertThat(metrics).contains("# TYPE " + served.podSeries() + " ");
            }
            // the JVM honoured the manifest's JAVA_TOOL_OPTIONS
            assertThat(agent.log()).contains("Picked up JAVA_TOOL_OPTIONS: " + env.get("JAVA_TOOL_OPTIONS"));
        }
    }
}
