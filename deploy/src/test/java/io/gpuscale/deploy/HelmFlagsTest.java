package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.AdapterMain;
import io.gpuscale.agent.AgentMain;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every container's command line in every chart rendering (HelmChartTest's), parsed by the
 * component's real command line (picocli on AgentMain and on the adapter's {@code serve}) and
 * validated by the methods the component calls before it starts, without starting anything; as
 * KustomizeFlagsTest does for the kustomize renderings. Files from Secrets get stand-ins
 * ({@link StandInPem}); the adapter's in-cluster configuration gets a stand-in --kubeconfig.
 */
class HelmFlagsTest {
    @TempDir
    static Path pemDir;
    private static StandInPem pem;

    @BeforeAll
    static void makeStandInCertificates() {
        pem = StandInPem.make(pemDir);
    }

    static Stream<KustomizeRender> all() {
        return HelmChartTest.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAgentAcceptsItsArgs(KustomizeRender r, @TempDir Path root) throws Exception {
        V1Container c = ContainerArgs.single(r.agent().getSpec().getTemplate().getSpec().getContainers());
        List<String> args = pem.rewrite(ContainerArgs.of(c), root);
        AgentMain agent = new AgentMain();
        ContainerArgs.parse(r, c, new CommandLine(agent), args);
        ContainerArgs.validate(r, c, agent, "config");
        assertThat(ContainerArgs.port(ContainerArgs.value(args, "--listen"))).isEqualTo(ContainerArgs.namedPort(c, "metrics"));
        assertThat(ContainerArgs.value(args, "--source")).isEqualTo("nvml");
        assertThat(PodEnv.of(c.getEnv())).containsKeys("NODE_NAME", "NVIDIA_VISIBLE_DEVICES", "JAVA_TOOL_OPTIONS");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAdapterServeAcceptsItsArgs(KustomizeRender r, @TempDir Path root) throws Exception {
        V1Container c = ContainerArgs.single(r.adapter().getSpec().getTemplate().getSpec().getContainers());
        List<String> args = new ArrayList<>(pem.rewrite(ContainerArgs.of(c), root));
        assertThat(args.get(0)).isEqualTo("serve");
        assertThat(ContainerArgs.value(args, "--kubeconfig")).as("%s: in-cluster configuration", r).isNull();
        args.add("--kubeconfig=" + Files.writeString(root.resolve("in-cluster-stand-in.kubeconfig"), "apiVersion: v1\n"));
        CommandLine.ParseResult parsed = ContainerArgs.parse(r, c, new CommandLine(new AdapterMain()), args);
        Object serve = parsed.subcommand().commandSpec().userObject();
        ContainerArgs.validate(r, c, serve, "config");
        ContainerArgs.validate(r, c, serve, "advisorConfig");
        ContainerArgs.validate(r, c, serve, "authConfig");
        assertThat(ContainerArgs.port(":" + ContainerArgs.value(args, "--secure-port"))).isEqualTo(ContainerArgs.namedPort(c, "https"));
        assertThat(ContainerArgs.port(ContainerArgs.value(args, "--metrics-bind-address"))).isEqualTo(ContainerArgs.namedPort(c, "metrics"));
        String extender = ContainerArgs.value(args, "--scheduler-extender-port");
        if (extender != null) {
            assertThat(Integer.parseInt(extender)).isEqualTo(ContainerArgs.namedPort(c, "sched-extender"));
        } else {
            assertThat(c.getPorts()).extracting(V1ContainerPort::getName).doesNotContain("sched-extender");
        }
        assertThat(PodEnv.of(c.getEnv())).containsKeys("POD_NAME", "POD_IP", "JAVA_TOOL_OPTIONS");
    }

    /** Every JAVA_TOOL_OPTIONS the chart renders is accepted by a JVM (java OPTIONS -version). */
    @org.junit.jupiter.api.Test
    void theJvmAcceptsTheJavaToolOptions() {
        java.util.Set<String> options = new java.util.TreeSet<>();
        for (KustomizeRender r : HelmChartTest.renders()) {
            for (KustomizeRender.Workload w : r.workloads()) {
                options.add(PodEnv.of(w.template().getSpec().getContainers().get(0).getEnv()).get("JAVA_TOOL_OPTIONS"));
            }
        }
        assertThat(options).hasSize(2);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String o : options) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(List.of(o.split(" ")));
            cmd.add("-version");
            Manifests.Result result = Manifests.run(cmd);
            assertThat(result.exit()).as("java %s -version: %s", o, result.err()).isZero();
        }
    }




}
