package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.AdapterMain;
import io.gpuscale.agent.AgentMain;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
        V1Container c = only(r.agent().getSpec().getTemplate().getSpec().getContainers());
        List<String> args = pem.rewrite(ContainerArgs.of(c), root);
        AgentMain agent = new AgentMain();
        parse(r, c, new CommandLine(agent), args);
        validate(r, c, agent, "config");
        assertThat(port(ContainerArgs.value(args, "--listen"))).isEqualTo(namedPort(c, "metrics"));
        assertThat(ContainerArgs.value(args, "--source")).isEqualTo("nvml");
        assertThat(PodEnv.of(c.getEnv())).containsKeys("NODE_NAME", "NVIDIA_VISIBLE_DEVICES", "JAVA_TOOL_OPTIONS");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAdapterServeAcceptsItsArgs(KustomizeRender r, @TempDir Path root) throws Exception {
        V1Container c = only(r.adapter().getSpec().getTemplate().getSpec().getContainers());
        List<String> args = new ArrayList<>(pem.rewrite(ContainerArgs.of(c), root));
        assertThat(args.get(0)).isEqualTo("serve");
        assertThat(ContainerArgs.value(args, "--kubeconfig")).as("%s: in-cluster configuration", r).isNull();
        args.add("--kubeconfig=" + Files.writeString(root.resolve("in-cluster-stand-in.kubeconfig"), "apiVersion: v1\n"));
        CommandLine.ParseResult parsed = parse(r, c, new CommandLine(new AdapterMain()), args);
        Object serve = parsed.subcommand().commandSpec().userObject();
        validate(r, c, serve, "config");
        validate(r, c, serve, "advisorConfig");
        validate(r, c, serve, "authConfig");
        assertThat(port(":" + ContainerArgs.value(args, "--secure-port"))).isEqualTo(namedPort(c, "https"));
        assertThat(port(ContainerArgs.value(args, "--metrics-bind-address"))).isEqualTo(namedPort(c, "metrics"));
        String extender = ContainerArgs.value(args, "--scheduler-extender-port");
        if (extender != null) {
            assertThat(Integer.parseInt(extender)).isEqualTo(namedPort(c, "sched-extender"));
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

    private static V1Container only(List<V1Container> containers) {
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static CommandLine.ParseResult parse(KustomizeRender r, V1Container c, CommandLine cmd, List<String> args) {
        try {
            return cmd.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(r + ": container " + c.getName() + " args " + args + " are rejected: "
                    + e.getMessage(), e);
        }
    }

    /** The component's own validation (package-private in its package: by reflection). */
    private static void validate(KustomizeRender r, V1Container c, Object command, String method) throws Exception {
        Method m;
        try {
            m = command.getClass().getDeclaredMethod(method);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(command.getClass().getName() + " has no " + method + "() any more: "
                    + "update this test to call the validation the component runs at start", e);
        }
        m.setAccessible(true);
        try {
            assertThat(m.invoke(command)).isNotNull();
        } catch (InvocationTargetException e) {
            throw new AssertionError(r + ": container " + c.getName() + " args " + c.getArgs() + " fail "
                    + method + "(): " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static int port(String hostPort) {
        assertThat(hostPort).isNotNull();
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static int namedPort(V1Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(V1ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("container " + c.getName() + " has no port " + name));
    }
}
