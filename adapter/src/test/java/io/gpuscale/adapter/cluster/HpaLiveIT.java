package io.gpuscale.adapter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.testing.AdapterJar;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.KubeApiStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpuscale-adapter hpa} as a user runs it: against a serving adapter, with the pods of a
 * live cluster (an API stand-in) through --kubeconfig, and with what can go wrong on the way (an
 * adapter that is down or whose certificate does not verify): one line and exit status 2.
 */
class HpaLiveIT {
    @TempDir
    static Path dir;

    private static Agent mainpc;
    private static Agent pc2;
    private static KubeApiStandIn api;
    private static Process adapter;
    private static String server;
    private static Path kubeconfig;

    @BeforeAll
    static void start() throws Exception {
        mainpc = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090@steady:90"),
                "mainpc", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
        pc2 = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx3060@steady:90"),
                "pc2", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
        api = new KubeApiStandIn();
        api.put(ClusterObjects.pod("demo", "llm-server-mainpc-0", "mainpc", Map.of("app", "llm-server")));
        api.put(ClusterObjects.pod("demo", "llm-server-pc2-0", "pc2", Map.of("app", "llm-server")));
        api.put(ClusterObjects.pod("other", "llm-server-elsewhere", "pc2", Map.of("app", "llm-server")));
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: %s}}]
                contexts: [{name: c, context: {cluster: c, user: u}}]
                current-context: c
                users: [{name: u, user: {token: any}}]
                """.formatted(api.url()));
        adapter = AdapterJar.start("serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow",
                "--bind-address", "127.0.0.1", "--secure-port", "0", "--metrics-bind-address", "off",
                "--cluster", AdapterJar.ROOT.resolve("deploy/examples/demo-cluster.yaml").toString(),
                "--scrape-interval", "500ms", "--agents", "http://127.0.0.1:" + mainpc.port() + "/metrics,http://127.0.0.1:"
                        + pc2.port() + "/metrics");
        java.util.regex.Pattern serving = java.util.regex.Pattern.compile("gpuscale adapter serving: (https://127\\.0\\.0\\.1:\\d+)");
        String[] found = new String[1];
        String seen = AdapterJar.readUntil(AdapterJar.lines(adapter), Duration.ofSeconds(60), () -> found[0] != null,
                line -> {
                    java.util.regex.Matcher m = serving.matcher(line);
                    if (m.find()) {
                        found[0] = m.group(1);
                    }
                });
        assertThat(found[0]).as("the adapter serving; it said:%n%s", seen).isNotNull();
        server = found[0];
    }

    @AfterAll
    static void stop() throws Exception {
        if (adapter != null) {
            adapter.destroy();
            adapter.waitFor(30, TimeUnit.SECONDS);
        }
        if (api != null) {
            api.close();
        }
        if (mainpc != null) {
            mainpc.close();
        }
        if (pc2 != null) {
            pc2.close();
        }
    }

    private static AdapterJar.Run hpa(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "hpa";
        System.arraycopy(args, 0, all, 1, args.length);
        return AdapterJar.run(all);
    }

    @Test
    void theLiveClustersPodsAndTheAdaptersValuesGiveTheHpasDecision() throws Exception {
        AdapterJar.Run r = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            r = hpa("--server", server, "--insecure-skip-tls-verify", "--kubeconfig", kubeconfig.toString(),
                    "--namespace", "demo", "--selector", "app=llm-server", "--target", "70", "--max-replicas", "4");
        } while ((r.code() != 0 || !r.out().contains("90")) && System.nanoTime() - deadline < 0);
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.err()).isEmpty();
        // two pods at 90 against a target of 70: ceil(2 x 90 / 70) = 3
        assertThat(r.out()).contains("3");
    }

    @Test
    void anAdapterThatIsDownIsOneLineAndExit2() throws Exception {
        AdapterJar.Run r = hpa("--server", "https://127.0.0.1:9", "--insecure-skip-tls-verify", "--kubeconfig",
                kubeconfig.toString(), "--namespace", "demo", "--selector", "app=llm-server", "--target", "70");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).singleElement().asString()
                .isEqualTo("gpuscale-adapter: cannot ask the adapter at https://127.0.0.1:9: connection refused");
    }

    @Test
    void aCertificateThatDoesNotVerifyIsOneLineWithTheWayOut() throws Exception {
        AdapterJar.Run r = hpa("--server", server, "--kubeconfig", kubeconfig.toString(), "--namespace", "demo",
                "--selector", "app=llm-server", "--target", "70");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().toList()).singleElement().asString()
                .contains("not trusted").contains("--insecure-skip-tls-verify");
    }

    @Test
    void aClusterThatCannotBeListedIsOneLineAndExit2() throws Exception {
        Path nowhere = dir.resolve("nowhere");
        Files.writeString(nowhere, Files.readString(kubeconfig).replace(api.url(), "http://127.0.0.1:9"));
        AdapterJar.Run r = hpa("--server", server, "--insecure-skip-tls-verify", "--kubeconfig", nowhere.toString(),
                "--namespace", "demo", "--selector", "app=llm-server", "--target", "70", "--timeout", "5s");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().toList()).singleElement().asString()
                .contains("--kubeconfig").contains("namespace demo");
    }

    @Test
    void everyOptionHasHelpText() throws Exception {
        AdapterJar.Run r = hpa("--help");
        assertThat(r.code()).isZero();
        List<String> lines = r.out().lines().toList();
        int options = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.matches(" {2,6}(-\\w, )?--[a-z].*")) {
                options++;
                boolean described = l.strip().matches("\\S+( \\S+)?\\s{2,}\\S.*")
                        || i + 1 < lines.size() && lines.get(i + 1).matches(" {20,}\\S.*");
                assertThat(described).as("help text of %s", l.strip()).isTrue();
            }
        }
        assertThat(options).isGreaterThanOrEqualTo(12);
        assertThat(r.out()).contains("--kubeconfig").contains("--timeout");
        assertThat(r.err()).isEmpty();
    }
}
