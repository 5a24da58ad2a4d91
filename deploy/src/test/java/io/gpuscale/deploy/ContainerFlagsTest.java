package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.AdapterMain;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.agent.AgentMain;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvVar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every container's command line in every rendering, kustomize's and the Helm chart's, parsed by the component's real command line
 * (picocli on AgentMain and on the adapter's `serve`) and validated by the same method the
 * component calls before it starts (config(), and the adapter's advisorConfig() and
 * authConfig()), without starting anything.
 *
 * <p>Files the flags name are mounted from Secrets in a cluster: the test creates stand-ins at the
 * same paths under a temporary root (real PEM, made with openssl: a CA, and a serving certificate
 * with a SEC1 EC key as cert-manager writes it; {@link StandInPem}) and rewrites the paths. The adapter's in-cluster
 * configuration (KUBERNETES_SERVICE_HOST, which a test cannot set in its own JVM) is stood for by
 * --kubeconfig with a stand-in file; the validation reads only that it exists.
 */
class ContainerFlagsTest {
    /** The downward API fields a container may read through env (fieldRef). */
    private static final Set<String> FIELD_PATHS = Set.of("metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.serviceAccountName", "status.podIP", "status.podIPs", "status.hostIP",
            "status.hostIPs");

    @TempDir
    static Path pemDir;
    private static StandInPem pem;

    @BeforeAll
    static void makeStandInCertificates() {
        pem = StandInPem.make(pemDir);
    }

    static Stream<KustomizeRender> all() {
        return Stream.concat(KustomizeTest.all(), HelmChartTest.all());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAgentAcceptsItsArgs(KustomizeRender r, @TempDir Path root) throws Exception {
        V1Container c = ContainerArgs.single(r.agent().getSpec().getTemplate().getSpec().getContainers());
        List<String> args = pem.rewrite(ContainerArgs.of(c), root);
        AgentMain agent = new AgentMain();
        ContainerArgs.parse(r, c, new CommandLine(agent), args);
        ContainerArgs.validate(r, c, agent, "config");
        assertThat(ContainerArgs.port(ContainerArgs.value(args, "--listen"))).as("%s: the agent's --listen", r)
                .isEqualTo(ContainerArgs.namedPort(c, "metrics"));
        assertThat(ContainerArgs.value(args, "--source")).as("%s: real GPUs in a cluster", r).isEqualTo("nvml");
        checkEnv(r, c);
        assertThat(env(c)).containsKeys("NODE_NAME", "NVIDIA_VISIBLE_DEVICES", "JAVA_TOOL_OPTIONS");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAdapterServeAcceptsItsArgs(KustomizeRender r, @TempDir Path root) throws Exception {
        V1Container c = ContainerArgs.single(r.adapter().getSpec().getTemplate().getSpec().getContainers());
        List<String> args = new ArrayList<>(pem.rewrite(ContainerArgs.of(c), root));
        assertThat(args.get(0)).as("%s: the adapter's subcommand", r).isEqualTo("serve");
        assertThat(ContainerArgs.value(args, "--kubeconfig")).as("%s: in-cluster configuration", r).isNull();
        Path kubeconfig = Files.writeString(root.resolve("in-cluster-stand-in.kubeconfig"), "apiVersion: v1\n");
        args.add("--kubeconfig=" + kubeconfig);
        CommandLine cmd = new CommandLine(new AdapterMain());
        CommandLine.ParseResult parsed = ContainerArgs.parse(r, c, cmd, args);
        Object serve = parsed.subcommand().commandSpec().userObject();
        ContainerArgs.validate(r, c, serve, "config");
        assertThat(ContainerArgs.port(":" + ContainerArgs.value(args, "--secure-port"))).isEqualTo(ContainerArgs.namedPort(c, "https"));
        assertThat(ContainerArgs.port(ContainerArgs.value(args, "--metrics-bind-address"))).isEqualTo(ContainerArgs.namedPort(c, "metrics"));
        String extender = ContainerArgs.value(args, "--scheduler-extender-port");
        if (extender != null) {
            assertThat(Integer.parseInt(extender)).isEqualTo(ContainerArgs.namedPort(c, "sched-extender"));
        } else {
            assertThat(c.getPorts()).extracting(V1ContainerPort::getName).doesNotContain("sched-extender");
        }
        String cert = ContainerArgs.value(args, "--tls-cert-file");
        if (cert != null) {
            // what serve loads at start, from the stand-ins of the mounted Secret's files
            assertThat(ServingCertificate.fromFiles(Path.of(cert),
                    Path.of(ContainerArgs.value(args, "--tls-private-key-file")))).isNotNull();
        }
        checkEnv(r, c);
        assertThat(env(c)).containsKeys("POD_NAME", "POD_IP", "JAVA_TOOL_OPTIONS");
    }


    /** Every JAVA_TOOL_OPTIONS rendered is accepted by a JVM (java OPTIONS -version). */
    @org.junit.jupiter.api.Test
    void theJvmAcceptsTheJavaToolOptions() {
        java.util.Set<String> options = new java.util.TreeSet<>();
        for (KustomizeRender r : all().toList()) {
            for (KustomizeRender.Workload w : r.workloads()) {
                options.add(PodEnv.of(w.template().getSpec().getContainers().get(0).getEnv()).get("JAVA_TOOL_OPTIONS"));
            }
        }
        assertThat(options).as("the agent's and the adapter's options").isNotEmpty();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String o : options) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(List.of(o.split(" ")));
            cmd.add("-version");
            Manifests.Result result = Manifests.run(cmd);
            assertThat(result.exit()).as("java %s -version: %s", o, result.err()).isZero();
        }
    }

    private static Map<String, V1EnvVar> env(V1Container c) {
        Map<String, V1EnvVar> out = new java.util.LinkedHashMap<>();
        for (V1EnvVar e : c.getEnv()) {
            assertThat(out.put(e.getName(), e)).as("env %s twice", e.getName()).isNull();
        }
        return out;
    }

    /** Every env var has a value or reads a downward API field a pod really has. */
    private static void checkEnv(KustomizeRender r, V1Container c) {
        for (V1EnvVar e : env(c).values()) {
            if (e.getValueFrom() == null) {
                assertThat(e.getValue()).as("%s: env %s", r, e.getName()).isNotNull();
                continue;
            }
            assertThat(e.getValueFrom().getFieldRef()).as("%s: env %s", r, e.getName()).isNotNull();
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).as("%s: env %s", r, e.getName())
                    .isIn(FIELD_PATHS);
        }
    }
}
