package io.gpuscale.adapter.cluster;

import static io.gpuscale.adapter.cluster.ClusterObjects.node;
import static io.gpuscale.adapter.cluster.ClusterObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.testing.AdapterJar;
import io.gpuscale.common.testing.KubeApiStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpuscale-adapter explain --kubeconfig}: the jar lists the cluster from an API server (a
 * stand-in here) through a kubeconfig, as a user runs it against a live cluster.
 */
class ExplainLiveIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @TempDir
    Path dir;

    private KubeApiStandIn api;

    @BeforeEach
    void setUp() {
        api = new KubeApiStandIn();
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    private Path kubeconfig(String server) throws Exception {
        Path f = dir.resolve("kubeconfig");
        Files.writeString(f, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: stand-in
                  cluster:
                    server: %s
                contexts:
                - name: stand-in
                  context:
                    cluster: stand-in
                    user: nobody
                current-context: stand-in
                users:
                - name: nobody
                  user:
                    token: any
                """.formatted(server));
        return f;
    }

    /** A node that may run pods: without allocatable pods, kube-scheduler says Too many pods. */
    private static io.vertx.core.json.JsonObject withPods(io.vertx.core.json.JsonObject node) {
        node.getJsonObject("status").getJsonObject("allocatable").put("pods", "110");
        return node;
    }

    private static AdapterJar.Run explain(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "explain";
        System.arraycopy(args, 0, all, 1, args.length);
        return AdapterJar.run(all);
    }

    @Test
    void aLiveClusterIsListedAndTheNodeWithAFreeGpuFits() throws Exception {
        api.put(withPods(node("gpu-1", 1)));
        api.put(withPods(node("gpu-2", 2)));
        api.put(pod("ml", "busy", "gpu-1", Map.of()));
        api.put(pod("ml", "half", "gpu-2", Map.of()));
        Path pod = dir.resolve("pod.yaml");
        Files.writeString(pod, """
                apiVersion: v1
                kind: Pod
                metadata: {name: trainer, namespace: ml}
                spec:
                  containers:
                    - name: main
                      image: cuda:12
                      resources: {limits: {nvidia.com/gpu: "1"}}
                """);
        AdapterJar.Run r = explain("--pod", pod.toString(), "--kubeconfig", kubeconfig(api.url()).toString(), "-o", "json");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.err()).as("informer logs stay quiet on the command line").isEmpty();
        JsonObject e = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonObject first = e.getAsJsonArray("nodes").get(0).getAsJsonObject();
        assertThat(first.get("name").getAsString()).isEqualTo("gpu-2");
        assertThat(first.get("feasible").getAsBoolean()).isTrue();
        JsonObject second = e.getAsJsonArray("nodes").get(1).getAsJsonObject();
        assertThat(second.get("name").getAsString()).isEqualTo("gpu-1");
        assertThat(second.get("plugin").getAsString()).isEqualTo("NodeResourcesFit");
    }

    @Test
    void anApiServerThatCannotBeListedInTimeIsOneLineAndExit2() throws Exception {
        Path pod = ROOT.resolve("deploy/examples/pod-fits.yaml");
        AdapterJar.Run r = explain("--pod", pod.toString(), "--kubeconfig", kubeconfig("http://127.0.0.1:9").toString(),
                "--sync-timeout", "2s");
        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err().lines().filter(l -> l.startsWith("gpuscale-adapter: ")).toList())
                .singleElement().asString().contains("--sync-timeout");
    }
}
