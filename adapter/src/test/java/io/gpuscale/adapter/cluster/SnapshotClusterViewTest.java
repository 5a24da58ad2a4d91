package io.gpuscale.adapter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.custom.Quantity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SnapshotClusterViewTest {
    private static final Path DEMO = Path.of("..", "deploy", "examples", "demo-cluster.yaml");
    private static final Path NAME = Path.of("cluster.yaml");

    private static String pod(String namespace, String name, String node) {
        return """
                - apiVersion: v1
                  kind: Pod
                  metadata: {namespace: %s, name: %s, uid: uid-%s, labels: {app: %s}}
                  spec:
                    nodeName: %s
                    containers: [{name: main, resources: {requests: {nvidia.com/gpu: "1"}}}]
                  status: {phase: Running}
                """.formatted(namespace, name, name, name, node);
    }

    private static String list(String... items) {
        StringBuilder b = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (String item : items) {
            item.lines().forEach(l -> b.append("  ").append(l).append('\n'));
        }
        return b.toString();
    }

    @Test
    void theDemoSnapshotHoldsTheSimulatedAgentsPodsWithTheirUids() {
        SnapshotClusterView view = SnapshotClusterView.load(DEMO);

        assertThat(view.ready()).isTrue();
        assertThat(view.nodes()).extracting(NodeRecord::name).containsExactly("mainpc", "pc2");
        assertThat(view.node("mainpc").orElseThrow().labels())
                .containsEntry("nvidia.com/gpu.product", "NVIDIA-GeForce-RTX-4090");
        assertThat(view.node("pc2").orElseThrow().labels())
                .containsEntry("nvidia.com/gpu.sharing-strategy", "time-slicing")
                .containsEntry("nvidia.com/gpu.replicas", "2");
        assertThat(view.pods("demo")).extracting(PodRecord::name, PodRecord::nodeName, PodRecord::phase)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("llm-server-mainpc-0", "mainpc", "Running"),
                        org.assertj.core.groups.Tuple.tuple("llm-server-pc2-0", "pc2", "Running"));
        for (PodRecord p : view.pods("demo")) {
            // The agent's SimPods names its pods' UIDs this way; the adapter joins on them.
            String simUid = UUID.nameUUIDFromBytes(("gpuscale-sim/demo/" + p.name()).getBytes(StandardCharsets.UTF_8))
                    .toString();
            assertThat(p.uid()).as(p.name()).isEqualTo(simUid);
            assertThat(p.labels()).containsEntry("app", "llm-server");
        }
        assertThat(view.v1Pod("demo", "llm-server-pc2-0").orElseThrow().getMetadata().getOwnerReferences())
                .singleElement().satisfies(o -> assertThat(o.getKind()).isEqualTo("ReplicaSet"));
    }

    @Test
    void theDemoSnapshotCarriesWhatThePlacementAdvisorNeeds() {
        SnapshotClusterView view = SnapshotClusterView.load(DEMO);

        assertThat(view.schedulingNode("mainpc").orElseThrow().allocatable())
                .containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(view.schedulingNode("pc2").orElseThrow().allocatable())
                .containsEntry("nvidia.com/gpu", new Quantity("2"));
        PodSchedulingRecord server = view.schedulingPod("demo", "llm-server-mainpc-0").orElseThrow();
        assertThat(server.containers()).singleElement()
                .satisfies(c -> assertThat(c.requests()).containsEntry("nvidia.com/gpu", new Quantity("1")));
        assertThat(server.tolerations()).containsExactly(new Toleration("nvidia.com/gpu", "Exists", "", "NoSchedule", null));
        assertThat(view.quotas("demo")).singleElement()
                .satisfies(q -> assertThat(q.hard()).containsEntry("requests.nvidia.com/gpu", new Quantity("4")));
        assertThat(view.quotas("default")).isEmpty();
        assertThat(view.v1Nodes()).hasSize(2);
        assertThat(view.v1ResourceQuotas("demo")).hasSize(1);
    }

    @Test
    void podsAndNodesComeInNameOrderWhateverTheFileOrder() {
        String yaml = list(pod("ml", "zeta", "n2"), pod("ml", "alpha", "n1"), pod("batch", "mid", "n1"),
                "- {apiVersion: v1, kind: Node, metadata: {name: n2}}\n",
                "- {apiVersion: v1, kind: Node, metadata: {name: n1}}\n");

        SnapshotClusterView view = SnapshotClusterView.parse(NAME, yaml);

        assertThat(view.pods("ml")).extracting(PodRecord::name).containsExactly("alpha", "zeta");
        assertThat(view.schedulingPods()).extracting(PodSchedulingRecord::name).containsExactly("mid", "alpha", "zeta");
        assertThat(view.nodes()).extracting(NodeRecord::name).containsExactly("n1", "n2");
        assertThat(view.pods("nowhere")).isEmpty();
        assertThat(view.pod("ml", "alpha").orElseThrow().labels()).isEqualTo(Map.of("app", "alpha"));
        assertThat(view.pod("ml", "missing")).isEmpty();
    }

    @Test
    void aMultiDocumentYamlStreamOfSingleObjectsIsAccepted() {
        String yaml = """
                apiVersion: v1
                kind: Node
                metadata: {name: n1}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: ml}
                spec: {containers: [{name: c}]}
                ---
                """;

        SnapshotClusterView view = SnapshotClusterView.parse(NAME, yaml);

        assertThat(view.nodes()).extracting(NodeRecord::name).containsExactly("n1");
        assertThat(view.pod("ml", "p").orElseThrow().nodeName()).isEmpty();
    }

    @Test
    void jsonAndTypedListsAsKubectlGetRawWritesThemAreAccepted() {
        String json = """
                {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "7"},
                 "items": [{"metadata": {"namespace": "ml", "name": "p", "creationTimestamp": "2026-01-02T03:04:05Z"},
                            "spec": {"containers": [{"name": "c"}]}}]}
                """;

        SnapshotClusterView view = SnapshotClusterView.parse(Path.of("pods.json"), json);

        assertThat(view.pods("ml")).extracting(PodRecord::name).containsExactly("p");
        assertThat(view.v1Pod("ml", "p").orElseThrow().getMetadata().getCreationTimestamp()).isNotNull();
    }

    @Test
    void aPodWithoutNamespaceIsInDefaultAsKubectlWouldPutIt() {
        SnapshotClusterView view = SnapshotClusterView.parse(NAME,
                list("- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c}]}}\n"));

        assertThat(view.pod("default", "p")).isPresent();
    }

    @Test
    void yamlTimestampsAndBareNumbersDecodeAsTheApiWouldReadThem() {
        String yaml = list("""
                - apiVersion: v1
                  kind: Node
                  metadata: {name: n1, creationTimestamp: 2026-01-02T03:04:05Z}
                  status: {allocatable: {cpu: 8, nvidia.com/gpu: 2}}
                """);

        SnapshotClusterView view = SnapshotClusterView.parse(NAME, yaml);

        assertThat(view.schedulingNode("n1").orElseThrow().allocatable())
                .containsEntry("cpu", new Quantity("8")).containsEntry("nvidia.com/gpu", new Quantity("2"));
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("unknown kind", list("- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}\n"),
                        "item 1: unknown kind 'Deployment' (apiVersion apps/v1): expected v1 Node, Pod or ResourceQuota"),
                Arguments.of("missing kind", list("- {apiVersion: v1, metadata: {name: d}}\n"), "item 1: missing kind"),
                Arguments.of("missing name", list("- {apiVersion: v1, kind: Node, metadata: {}}\n"),
                        "item 1: Node without metadata.name"),
                Arguments.of("no metadata", list("- {apiVersion: v1, kind: Pod}\n"), "item 1: Pod without metadata.name"),
                Arguments.of("yaml syntax", "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1\n  kind: Node\n",
                        "YAML error at line 5"),
                Arguments.of("tab indentation", "apiVersion: v1\nkind: List\nitems:\n\t- x\n", "YAML error at line 4"),
                Arguments.of("json syntax", "{\"kind\": \"List\", \"items\": [}", "not valid JSON: syntax error at line 1"),
                Arguments.of("unknown field", list("- {apiVersion: v1, kind: Node, metadata: {name: n, colour: red}}\n"),
                        "item 1 (Node n): metadata.colour: unknown field: a v1 ObjectMeta has no field \"colour\""),
                Arguments.of("bad quantity", list(pod("ml", "p", "n").replace("\"1\"", "lots")),
                        "item 1 (Pod ml/p): spec.containers[0].resources.requests[nvidia.com/gpu]: expected a quantity such as 1, "
                                + "500m or 2Gi, got the string \"lots\""),
                Arguments.of("container without name",
                        list("- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{image: x}]}}\n"),
                        "item 1 (Pod default/p): spec.containers[0].name: Required value"),
                Arguments.of("duplicate pod", list(pod("ml", "p", "n"), pod("ml", "p", "m")), "two objects are Pod ml/p"),
                Arguments.of("list of wrong version", "apiVersion: v2\nkind: List\nitems: []\n",
                        "a List must have apiVersion v1, not 'v2'"),
                Arguments.of("items not a list", "apiVersion: v1\nkind: List\nitems: {a: b}\n", "items must be a list"),
                Arguments.of("scalar document", "just text\n", "expected an object, found 'just text'"),
                Arguments.of("empty file", "", "no objects"),
                Arguments.of("second document bad", "apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\nkind: Secret\n",
                        "document 2: unknown kind 'Secret'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadFileIsRefusedWithOneLineNamingTheFileAndTheProblem(String what, String text, String expected) {
        assertThatThrownBy(() -> SnapshotClusterView.parse(NAME, text))
                .isInstanceOf(ClusterFileException.class)
                .hasMessageStartingWith("cluster file cluster.yaml: ")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(400));
    }

    @Test
    void aMissingFileIsNamedInTheError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> SnapshotClusterView.load(missing))
                .isInstanceOf(ClusterFileException.class)
                .hasMessageStartingWith("cluster file " + missing + ": cannot read");
    }

    @Test
    void aFileOnDiskLoadsLikeTheSameText(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), list(pod("ml", "p", "n")));

        assertThat(SnapshotClusterView.load(file).pods("ml")).extracting(PodRecord::uid).containsExactly("uid-p");
        assertThat(SnapshotClusterView.load(file).source()).isEqualTo(file);
    }
}
