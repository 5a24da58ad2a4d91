package io.gpuscale.adapter.advisor.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.adapter.testing.TestPods;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodInputTest {
    private static final String POD_YAML = TestPods.trainerYaml(2);

    @TempDir
    Path dir;

    private static InputException failure(String text, String contentType) {
        try {
            PodInput.parse("pod.yaml", text, contentType);
        } catch (InputException e) {
            return e;
        }
        throw new AssertionError("expected an InputException for:\n" + text);
    }

    @Test
    void readsAYamlPodWithItsResources() {
        V1Pod pod = PodInput.parse("pod.yaml", POD_YAML, null);
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("ml");
        assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/gpu", new Quantity("2"));
    }

    @Test
    void readsTheSamePodAsJsonByContentTypeAndBySniffing() {
        String json = """
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "trainer", "namespace": "ml"},
                 "spec": {"containers": [{"name": "main", "image": "trainer:1",
                   "resources": {"limits": {"nvidia.com/gpu": "2"}}}]}}
                """;
        assertThat(PodInput.parse("b", json, "application/json")).isEqualTo(PodInput.parse("b", POD_YAML, null));
        assertThat(PodInput.parse("b", json, null)).isEqualTo(PodInput.parse("b", POD_YAML, "application/yaml"));
    }

    @Test
    void aPodWithoutNamespaceIsInDefault() {
        V1Pod pod = PodInput.parse("pod.yaml", POD_YAML.replace("  namespace: ml\n", ""), null);
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
    }

    @Test
    void aYamlSyntaxErrorNamesItsLine() {
        InputException e = failure(POD_YAML.replace("  name: trainer", "  name: [trainer"), null);
        assertThat(e.line()).isBetween(4, 6);
        assertThat(e.getMessage()).startsWith("pod.yaml:" + e.line() + ": YAML syntax error");
        assertThat(e.getMessage()).doesNotContain("\n");
    }

    @Test
    void anUnknownFieldIsRefusedOnItsLine() {
        InputException e = failure(POD_YAML.replace("      image: trainer:1", "      image: trainer:1\n      gpus: 2"),
                null);
        assertThat(e.line()).isEqualTo(10);
        assertThat(e.problem()).isEqualTo("spec.containers[0].gpus: unknown field: a v1 Container has no field \"gpus\"");
    }

    @Test
    void aBadQuantityIsRefused() {
        InputException e = failure(POD_YAML.replace("\"2\"", "two"), null);
        assertThat(e.getMessage()).startsWith("pod.yaml:");
    }

    @Test
    void onlyAV1PodIsExplained() {
        InputException e = failure(POD_YAML.replace("kind: Pod", "kind: Deployment").replace("apiVersion: v1",
                "apiVersion: apps/v1"), null);
        assertThat(e.getMessage()).isEqualTo("pod.yaml:2: kind Deployment (apiVersion apps/v1): expected apiVersion v1, "
                + "kind Pod (to explain a Deployment's pods, write its pod template as a Pod)");
        assertThat(failure(POD_YAML.replace("kind: Pod\n", ""), null).getMessage()).contains("no kind");
    }

    @Test
    void aJsonSyntaxErrorNamesItsLine() {
        InputException e = failure("{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\"\n \"metadata\": {}}", null);
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.problem()).startsWith("not valid JSON: syntax error at line 3");
    }

    @Test
    void twoDocumentsAreNotOnePod() {
        InputException e = failure(POD_YAML + "---\n" + POD_YAML, null);
        assertThat(e.line()).isEqualTo(13);
        assertThat(e.problem()).isEqualTo("2 YAML documents: expected one Pod");
    }

    @Test
    void emptyInputAndNonUtf8AreRefused() {
        assertThat(failure("  \n", null).problem()).startsWith("empty");
        assertThatThrownBy(() -> PodInput.parse("body", new byte[] {(byte) 0xff, (byte) 0xfe, 0x41}, null))
                .isInstanceOf(InputException.class).hasMessage("body: not UTF-8 text");
    }

    @Test
    void aMissingFileIsOneLine() throws Exception {
        assertThatThrownBy(() -> PodInput.read(dir.resolve("nope.yaml")))
                .isInstanceOf(InputException.class).hasMessage(dir.resolve("nope.yaml") + ": no such file");
        Path f = dir.resolve("pod.yaml");
        Files.writeString(f, POD_YAML, StandardCharsets.UTF_8);
        assertThat(PodInput.read(f).getMetadata().getName()).isEqualTo("trainer");
    }

    /** Issue 12 item 7: no Java class, no Gson hint, no offending JSON: the field, what was expected, what came. */
    @Test
    void aFieldOfTheWrongTypeIsToldInOurWordsWithItsPathAndLine() {
        String ports = POD_YAML.replace("      image: trainer:1", "      image: trainer:1\n      ports: notalist");
        InputException e = failure(ports, null);
        assertThat(e.getMessage()).isEqualTo("pod.yaml:10: spec.containers[0].ports: expected a list, got the string "
                + "\"notalist\"");
        String json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"}, \"spec\": "
                + "{\"containers\": [{\"name\": \"c\", \"ports\": \"notalist\"}]}}";
        assertThat(failure(json, "application/json").getMessage()).isEqualTo("pod.yaml:1: spec.containers[0].ports: "
                + "expected a list, got the string \"notalist\"");
        assertThat(failure(POD_YAML.replace("  containers:", "  hostNetwork: \"yes\"\n  containers:"), null).getMessage())
                .isEqualTo("pod.yaml:7: spec.hostNetwork: expected true or false, got the string \"yes\"");
        assertThat(failure(POD_YAML.replace("  containers:", "  priority: high\n  containers:"), null).getMessage())
                .isEqualTo("pod.yaml:7: spec.priority: expected an integer, got the string \"high\"");
        assertThat(failure(POD_YAML.replace("  containers:\n", "  containers: {name: main}\n  x:\n"), null).problem())
                .startsWith("spec.containers: expected a list, got an object");
        assertThat(failure(POD_YAML.replace("    - name: main\n      image: trainer:1\n", "    - image: trainer:1\n"), null).getMessage())
                .isEqualTo("pod.yaml:8: spec.containers[0].name: Required value");
        assertThat(failure(POD_YAML.replace("  namespace: ml", "  namespace: ml\n  labels: [a]"), null).getMessage())
                .isEqualTo("pod.yaml:6: metadata.labels: expected an object (a map), got a list");
        assertThat(failure(POD_YAML.replace("  namespace: ml", "  namespace: ml\n  creationTimestamp: yesterday"), null)
                .getMessage()).isEqualTo("pod.yaml:6: metadata.creationTimestamp: expected an RFC 3339 time such as "
                + "2024-05-01T12:00:00Z, got the string \"yesterday\"");
    }

    @Test
    void aJsonSyntaxErrorIsOursWithItsPosition() {
        InputException e = failure("{\"apiVersion\": v1}", "application/json");
        assertThat(e.getMessage()).startsWith("pod.yaml:1: not valid JSON: syntax error at line 1, column ");
        assertThat(e.getMessage()).doesNotContain("Strictness").doesNotContain("JsonReader").doesNotContain("gson");
        assertThat(failure("{\"apiVersion\": \"v1\",\n", "application/json").getMessage())
                .startsWith("pod.yaml:2: not valid JSON: the JSON ends too early");
    }

    @Test
    void quantitiesWithBlanksAreTrimmedAsTheApiServerTrimsThem() {
        V1Pod pod = PodInput.parse("pod.yaml", POD_YAML.replace("\"2\"", "\" 2 \""), null);
        assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/gpu", new Quantity("2"));
    }
}
