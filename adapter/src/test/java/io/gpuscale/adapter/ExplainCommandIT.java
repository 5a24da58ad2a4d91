package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar gpuscale-adapter.jar explain} as a user runs it, on the demo's files and on
 * broken ones: what it prints, and its exit status.
 */
class ExplainCommandIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path DEMO_CLUSTER = ROOT.resolve("deploy/examples/demo-cluster.yaml");
    private static final Path FITS = ROOT.resolve("deploy/examples/pod-fits.yaml");
    private static final Path FITS_NOWHERE = ROOT.resolve("deploy/examples/pod-fits-nowhere.yaml");

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    private static Run explain(String... args) throws Exception {
        String jar = System.getProperty("adapter.jar", ROOT.resolve("adapter/target/gpuscale-adapter.jar").toString());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar, "explain"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static void assertOneLineError(Run r, String startsWith) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("gpuscale-adapter: " + startsWith);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aPodThatFitsNowhereGetsTheFailedSchedulingTextAndEachNodesNumbers() throws Exception {
        Run r = explain("--pod", FITS_NOWHERE.toString(), "--cluster", DEMO_CLUSTER.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("Pod:         demo/trainer\n");
        assertThat(r.out()).contains("Quota:       admitted\n");
        assertThat(r.out()).contains("Scheduling:  0/2 nodes are available: 1 Insufficient memory, "
                + "2 Insufficient nvidia.com/gpu.\n");
        assertThat(r.out()).containsPattern("(?m)^NODE\\s+FEASIBLE\\s+SCORE\\s+FIRST FAILING PLUGIN$");
        assertThat(r.out()).containsPattern("(?m)^mainpc\\s+no\\s+-\\s+NodeResourcesFit$");
        assertThat(r.out()).containsPattern("(?m)^pc2\\s+no\\s+-\\s+NodeResourcesFit$");
        assertThat(r.out()).containsPattern("(?m)^    NodeResourcesFit\\s+Insufficient nvidia.com/gpu.*2.*1");
    }

    @Test
    void aPodThatFitsNamesTheBestNodeAndExitsZero() throws Exception {
        Run r = explain("--pod", FITS.toString(), "--cluster", DEMO_CLUSTER.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("Scheduling:  fits 1 of 2 nodes; best: pc2");
        assertThat(r.out()).containsPattern("(?m)^pc2\\s+yes\\s+\\d+\\s+-$");
    }

    @Test
    void jsonOutputHasTheDocumentedFields() throws Exception {
        Run r = explain("--pod", FITS_NOWHERE.toString(), "--cluster", DEMO_CLUSTER.toString(), "-o", "json",
                "--kube-version", "1.30", "--gpu-policy", "spread");
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        JsonObject e = JsonParser.parseString(r.out()).getAsJsonObject();
        assertThat(e.keySet()).containsExactly("pod", "quota", "fitError", "gpuLoad", "nodes");
        assertThat(e.getAsJsonObject("quota").get("admitted").getAsBoolean()).isTrue();
        assertThat(e.getAsJsonObject("gpuLoad").toString())
                .isEqualTo("{\"known\":false,\"ageSeconds\":null,\"message\":\"GPU load not read\"}");
        assertThat(e.get("fitError").getAsString()).isEqualTo("0/2 nodes are available: 1 Insufficient memory, "
                + "2 Insufficient nvidia.com/gpu.");
        JsonObject mainpc = e.getAsJsonArray("nodes").get(0).getAsJsonObject();
        assertThat(mainpc.keySet()).containsExactly("name", "feasible", "plugin", "reasons", "score", "gpuScore");
        assertThat(mainpc.get("name").getAsString()).isEqualTo("mainpc");
        assertThat(mainpc.get("plugin").getAsString()).isEqualTo("NodeResourcesFit");
        assertThat(mainpc.get("score").isJsonNull()).isTrue();
    }

    @Test
    void aPodFileWithAYamlSyntaxErrorIsOneLineWithItsLineNumber() throws Exception {
        Path pod = dir.resolve("pod.yaml");
        Files.writeString(pod, Files.readString(FITS).replace("  name: embedder", "  name: [embedder"));
        Run r = explain("--pod", pod.toString(), "--cluster", DEMO_CLUSTER.toString());
        assertOneLineError(r, pod + ":");
        assertThat(r.err()).containsPattern("pod\\.yaml:(9|10|11): YAML syntax error");
    }

    @Test
    void aClusterFileThatIsNotAListOfNodesPodsAndQuotasIsOneLine() throws Exception {
        Path cluster = dir.resolve("cluster.yaml");
        Files.writeString(cluster, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n");
        Run r = explain("--pod", FITS.toString(), "--cluster", cluster.toString());
        assertOneLineError(r, "cluster file " + cluster + ": line 2: ");
        assertThat(r.err()).contains("Deployment");
    }

    @Test
    void aFieldTheApiDoesNotHaveInTheClusterFileIsNamedWithItsLine() throws Exception {
        Path cluster = dir.resolve("cluster.yaml");
        Files.writeString(cluster, "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n"
                + "    name: mainpc\n  spec:\n    gpus: 2\n");
        Run r = explain("--pod", FITS.toString(), "--cluster", cluster.toString());
        assertOneLineError(r, "cluster file " + cluster + ": line 9: item 1 (Node mainpc): spec.gpus: unknown field: "
                + "a v1 NodeSpec has no field \"gpus\"");
    }

    @Test
    void missingFilesAndBadFlagsAreOneLine() throws Exception {
        assertOneLineError(explain("--pod", dir.resolve("nope.yaml").toString(), "--cluster", DEMO_CLUSTER.toString()),
                dir.resolve("nope.yaml") + ": no such file");
        assertOneLineError(explain("--pod", FITS.toString(), "--cluster", dir.resolve("gone.yaml").toString()),
                dir.resolve("gone.yaml") + ": no such file");
        assertOneLineError(explain("--pod", FITS.toString()), "give the cluster");
        assertOneLineError(explain("--pod", FITS.toString(), "--cluster", DEMO_CLUSTER.toString(), "-o", "xml"),
                "invalid value for --output");
        assertOneLineError(explain("--pod", FITS.toString(), "--cluster", DEMO_CLUSTER.toString(), "--kube-version",
                "latest"), "invalid value for --kube-version");
    }

    /** Issue 12 item 6: a negative GPU count "fitted 2 of 2" and exited 0; the API server would refuse the pod. */
    @Test
    void aPodTheApiServerWouldRefuseIsOneLineInItsWordsAndExitsTwo() throws Exception {
        Path pod = dir.resolve("pod.yaml");
        Files.writeString(pod, Files.readString(FITS).replace("nvidia.com/gpu: \"1\"", "nvidia.com/gpu: \"-3\""));
        Run r = explain("--pod", pod.toString(), "--cluster", DEMO_CLUSTER.toString());
        assertOneLineError(r, pod + ":23: Pod \"embedder\" is invalid: [");
        assertThat(r.err().strip()).isEqualTo("gpuscale-adapter: " + pod + ":23: Pod \"embedder\" is invalid: ["
                + "spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0, "
                + "spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0]");

        Files.writeString(pod, Files.readString(FITS).replace("        limits:\n          memory: 8Gi",
                "        limits:\n          memory: 4Gi"));
        assertOneLineError(explain("--pod", pod.toString(), "--cluster", DEMO_CLUSTER.toString()), pod + ":17: Pod "
                + "\"embedder\" is invalid: spec.containers[0].resources.requests: Invalid value: \"8Gi\": must be less than "
                + "or equal to memory limit of 4Gi");

        Files.writeString(pod, Files.readString(FITS).replace("nvidia.com/gpu: \"1\"", "nvidia.com/gpu: \"0.5\""));
        assertOneLineError(explain("--pod", pod.toString(), "--cluster", DEMO_CLUSTER.toString()), pod + ":23: Pod "
                + "\"embedder\" is invalid: [spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"500m\": "
                + "must be an integer");
    }

    /** Issue 12 item 7: a field of the wrong type answered with a Java class cast. */
    @Test
    void aFieldOfTheWrongTypeIsOneLineInOurWordsWithItsLine() throws Exception {
        Path pod = dir.resolve("pod.yaml");
        Files.writeString(pod, Files.readString(FITS).replace("      image: ghcr.io/example/embedder:2.1\n",
                "      image: ghcr.io/example/embedder:2.1\n      ports: notalist\n"));
        Run r = explain("--pod", pod.toString(), "--cluster", DEMO_CLUSTER.toString());
        assertOneLineError(r, pod + ":16: spec.containers[0].ports: expected a list, got the string \"notalist\"");
        assertThat(r.err()).doesNotContain("com.google").doesNotContain("cast");

        Files.writeString(pod, Files.readString(FITS).replace("          cpu: \"2\"", "          cpu: two"));
        assertOneLineError(explain("--pod", pod.toString(), "--cluster", DEMO_CLUSTER.toString()), pod
                + ":18: spec.containers[0].resources.requests[cpu]: expected a quantity such as 1, 500m or 2Gi, got the "
                + "string \"two\"");
    }
}
