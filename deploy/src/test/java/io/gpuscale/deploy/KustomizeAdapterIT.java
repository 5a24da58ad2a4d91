package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Probe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adapter's shaded jar started with the Deployment's args and env, as each rendering has them
 * (every distinct command line once), and seen to serve on every port the Deployment declares.
 *
 * <p>What a test machine cannot give is stood in for, and only that: no API server, so the
 * cluster comes from the demo snapshot (--cluster deploy/examples/demo-cluster.yaml), the agents
 * from a list (--agents, a simulated agent started here, instead of --agent-service) and
 * authentication/authorization are off (None/AlwaysAllow instead of Delegated, which asks the API
 * server); no free fixed ports, so each port flag gets a free loopback port; the files Secrets
 * mount are openssl-made stand-ins at the same paths under a temporary root ({@link StandInPem}).
 * Every other flag and the environment (JAVA_TOOL_OPTIONS, POD_NAME, POD_IP) are the manifest's.
 */
class KustomizeAdapterIT {
    @TempDir
    static Path shared;
    private static Jvm agent;
    private static int agentPort;
    private static StandInPem pem;

    @BeforeAll
    static void startAnAgent() throws Exception {
        pem = StandInPem.make(Path.of(shared.toString()));
        agentPort = Jvm.freePort();
        agent = Jvm.start("agent.jar", List.of("--source=sim", "--listen=127.0.0.1:" + agentPort, "--node-name=gpu-node-1",
                "--pod-attribution=false"), Map.of(), shared.resolve("agent.log"));
        agent.awaitOk("http://127.0.0.1:" + agentPort + "/readyz");
    }

    @AfterAll
    static void stopTheAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    static Stream<Arguments> adapters() {
        Map<String, Arguments> distinct = new LinkedHashMap<>();
        for (KustomizeRender r : KustomizeTest.renders()) {
            V1Container c = r.adapter().getSpec().getTemplate().getSpec().getContainers().get(0);
            distinct.putIfAbsent(c.getArgs() + " " + PodEnv.of(c.getEnv()), Arguments.of(r.name(), c));
        }
        return distinct.values().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adapters")
    void theAdapterServesWithTheDeploymentsArgsAndEnv(String render, V1Container c, @TempDir Path dir)
            throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>(); // container port name -> port here
        List<String> args = new ArrayList<>();
        for (String a : pem.rewrite(ContainerArgs.of(c), dir)) {
            String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            switch (flag) {
                case "--secure-port" -> args.add("--secure-port=" + port(ports, c, "https", a));
                case "--metrics-bind-address" -> args.add("--metrics-bind-address=127.0.0.1:"
                        + port(ports, c, "metrics", a));
                case "--scheduler-extender-port" -> args.add("--scheduler-extender-port="
                        + port(ports, c, "sched-extender", a));
                case "--agent-service" -> args.add("--agents=http://127.0.0.1:" + agentPort + "/metrics");
                case "--authentication-mode" -> args.add("--authentication-mode=None");
                case "--authorization-mode" -> args.add("--authorization-mode=AlwaysAllow");
                default -> args.add(a);
            }
        }
        args.add("--cluster=" + Manifests.deploy().resolve("examples/demo-cluster.yaml"));
        assertThat(ports.keySet()).as("%s: every declared port is served", render)
                .containsExactlyInAnyOrderElementsOf(c.getPorts().stream().map(V1ContainerPort::getName).toList());
        Map<String, String> env = PodEnv.of(c.getEnv());
        try (Jvm adapter = Jvm.start("adapter.jar", args, env, dir.resolve("adapter.log"))) {
            String api = "https://127.0.0.1:" + ports.get("https");
            adapter.awaitOk(api + "/readyz");
            for (V1Probe probe : new V1Probe[] {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
                var get = probe.getHttpGet();
                String url = get.getScheme().toLowerCase() + "://127.0.0.1:" + ports.get(get.getPort().getStrValue())
                        + get.getPath();
                assertThat(Jvm.get(url).statusCode()).as("%s: probe %s", render, url).isEqualTo(200);
            }
            String resources = adapter.awaitOk(api + "/apis/custom.metrics.k8s.io/v1beta2").body();
            for (String metric : KustomizeExamples.hpaPodMetrics()) {
                assertThat(resources).as("%s: the example HPAs' metric in discovery", render)
                        .contains("\"pods/" + metric + "\"");
            }
            assertThat(Jvm.get(api + "/apis/external.metrics.k8s.io/v1beta1").statusCode())
                    .as("%s: external.metrics.k8s.io", render)
                    .isEqualTo(args.contains("--enable-external-metrics") ? 200 : 404);
            String own = adapter.awaitOk("http://127.0.0.1:" + ports.get("metrics") + "/metrics").body();
            assertThat(own).as("%s: the adapter's own metrics", render).contains("gpuscale_adapter_");
            if (ports.containsKey("sched-extender")) {
                // health stays open on the extender port, with mutual TLS too
                adapter.awaitOk("https://127.0.0.1:" + ports.get("sched-extender") + "/healthz");
            }
            String cert = ContainerArgs.value(args, "--tls-cert-file");
            assertThat(adapter.log()).as("%s: the serving certificate", render)
                    .contains(cert == null ? "certificate=self-signed" : "certificate=" + cert);
            assertThat(adapter.log()).contains("Picked up JAVA_TOOL_OPTIONS: " + env.get("JAVA_TOOL_OPTIONS"));
        }
    }

    /** A free port for a flag, checked against the container port it must match. */
    private static int port(Map<String, Integer> ports, V1Container c, String name, String arg) throws Exception {
        int declared = c.getPorts().stream().filter(p -> p.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(arg + " but no container port " + name)).getContainerPort();
        assertThat(arg).endsWith(String.valueOf(declared));
        int free = Jvm.freePort();
        ports.put(name, free);
        return free;
    }
}
