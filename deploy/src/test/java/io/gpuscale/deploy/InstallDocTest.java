package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The kustomize snippets docs/install.md tells readers to put in an overlay (the cloud patches, the image
 * override) really apply to deploy/base and give objects the API server would accept, and its other YAML
 * objects decode strictly.
 */
class InstallDocTest {
    private static final Path DOC = Manifests.repo().resolve("docs/install.md");

    /** The doc's fenced yaml blocks, in order. */
    private static List<String> yamlBlocks() throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : Files.readAllLines(DOC)) {
            String s = line.strip();
            if (current == null && s.equals("```yaml")) {
                current = new StringBuilder();
            } else if (current != null && s.equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    /** A block's indentation removed (the blocks inside list items are indented). */
    private static String dedent(String block) {
        int indent = block.lines().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder b = new StringBuilder();
        block.lines().forEach(l -> b.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n'));
        return b.toString();
    }

    @Test
    void everyOverlaySnippetAppliesToBaseAndDecodesStrictly() throws IOException {
        List<String> snippets = yamlBlocks().stream().map(InstallDocTest::dedent)
                .filter(b -> b.startsWith("patches:") || b.startsWith("images:")).toList();
        assertThat(snippets).as("overlay snippets (patches:, images:) in %s", DOC).hasSizeGreaterThanOrEqualTo(3);
        Path root = Manifests.deploy().resolve("target/install-doc");
        for (int i = 0; i < snippets.size(); i++) {
            Path overlay = root.resolve("snippet-" + (i + 1));
            Files.createDirectories(overlay);
            Files.writeString(overlay.resolve("kustomization.yaml"), """
                    apiVersion: kustomize.config.k8s.io/v1beta1
                    kind: Kustomization
                    resources:
                      - ../../../base
                    """ + snippets.get(i));
            String rendered = Manifests.kustomize(overlay);
            List<Manifests.Obj> objects = Manifests.parse(rendered);
            assertThat(objects).as("snippet %d of %s:\n%s", i + 1, DOC, snippets.get(i)).isNotEmpty();
            for (Manifests.Obj o : objects) {
                Manifests.decodeStrict(o);
            }
            if (snippets.get(i).startsWith("images:")) {
                assertThat(rendered).doesNotContain("image: ghcr.io/gpuscale/")
                        .contains("image: registry.example.com/gpuscale/gpuscale-agent:0.1.0")
                        .contains("image: registry.example.com/gpuscale/gpuscale-adapter:0.1.0");
            } else {
                Manifests.Obj agent = objects.stream().filter(o -> o.kind().equals("DaemonSet")).findFirst().orElseThrow();
                Map<String, Object> spec = agent.map("spec", "template", "spec");
                assertThat(spec).as("snippet %d removes the RuntimeClass", i + 1).doesNotContainKey("runtimeClassName");
            }
        }
    }

    @Test
    void everyObjectInTheGuideDecodesStrictly() throws IOException {
        int objects = 0;
        for (String block : yamlBlocks()) {
            String yaml = dedent(block);
            if (yaml.startsWith("apiVersion:") && yaml.contains("\nkind:")) {
                for (Manifests.Obj o : Manifests.parse(yaml)) {
                    if (Manifests.modelClass(o.apiVersion(), o.kind()) != null) {
                        Manifests.decodeStrict(o);
                        objects++;
                    }
                }
            }
        }
        assertThat(objects).as("Kubernetes objects in %s (the ResourceQuota for priority classes)", DOC).isPositive();
    }
}
