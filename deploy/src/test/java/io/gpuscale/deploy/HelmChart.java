package io.gpuscale.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * The Helm chart deploy/helm/gpuscale, linted and rendered by the Helm library embedded in
 * helm-java (the same Go code as the helm command), as {@code helm install} would render it into
 * namespace gpuscale-system.
 */
public final class HelmChart {
    /** The namespace the docs install into; the kustomize manifests' namespace. */
    public static final String NAMESPACE = "gpuscale-system";
    /** The release name the docs use. */
    public static final String RELEASE = "gpuscale";
    /**
     * The Kubernetes version rendered for: the kubectl these tests run is 1.32, and helm-java's
     * built-in default (1.20) is older than the chart's kubeVersion.
     */
    public static final String KUBE_VERSION = "1.32.0";
    /** The install profiles shipped with the chart: the defaults and the two values files. */
    public static final List<String> PROFILES = List.of("values.yaml", "values-prod.yaml", "values-k3s-home-lab.yaml");

    private HelmChart() {
    }

    /** deploy/helm/gpuscale. */
    public static Path dir() {
        return Manifests.deploy().resolve("helm/gpuscale");
    }

    /** A file of the chart, e.g. values-prod.yaml. */
    public static Path file(String name) {
        return dir().resolve(name);
    }

    /**
     * {@code helm template} with a profile (values.yaml: the defaults alone), {@code --set}s and
     * {@code --set-file}s on top.
     *
     * @throws IllegalStateException with Helm's message when it refuses (schema, fail, template error)
     */
    public static String template(String profile, Map<String, Object> sets, Map<String, Path> setFiles) {
        var cmd = new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (!profile.equals("values.yaml")) {
            cmd = cmd.withValuesFile(file(profile));
        }
        if (!sets.containsKey("namespace.create")) {
            // As `helm template` renders for a GitOps repository: with the Namespace object, as the
            // kustomize manifests have it (a `helm install` leaves it to the installer, the default).
            cmd = cmd.set("namespace.create", true);
        }
        for (Map.Entry<String, Object> e : sets.entrySet()) {
            cmd = cmd.set(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Path> e : setFiles.entrySet()) {
            cmd = cmd.setFile(e.getKey(), e.getValue());
        }
        return cmd.call();
    }

    /** {@code helm template} with a profile and {@code --set}s. */
    public static String template(String profile, Map<String, Object> sets) {
        return template(profile, sets, Map.of());
    }

    /**
     * A rendering of the chart as the kustomize checks take it: every object parsed and decoded
     * strictly (an unknown field anywhere fails here).
     */
    public static KustomizeRender render(String name, String profile, Map<String, Object> sets,
            Map<String, Path> setFiles) {
        return decoded(name, template(profile, sets, setFiles));
    }

    private static KustomizeRender decoded(String name, String yaml) {
        List<Manifests.Obj> objs = Manifests.parse(yaml);
        Map<Manifests.Obj, Object> models = new LinkedHashMap<>();
        for (Manifests.Obj o : objs) {
            Object m = Manifests.decodeStrict(o);
            if (m != null) {
                models.put(o, m);
            }
        }
        return new KustomizeRender(name, objs, models);
    }

    /**
     * A rendering of a profile with more values (YAML, as a user's own values file) on top: lists
     * and nested values pass through a file, where {@code --set} would need its own syntax.
     */
    public static KustomizeRender render(String name, String profile, String valuesYaml) {
        try {
            Path f = Files.createTempFile("gpuscale-values", ".yaml");
            try {
                // With the Namespace object, as the manifests have it, unless the values say otherwise.
                boolean own = valuesYaml.lines().anyMatch(l -> l.startsWith("namespace:"));
                Files.writeString(f, (own ? "" : "namespace: {create: true}\n") + valuesYaml);
                var cmd = new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE)
                        .withKubeVersion(KUBE_VERSION);
                if (!profile.equals("values.yaml")) {
                    cmd = cmd.withValuesFile(file(profile));
                }
                return decoded(name, cmd.withValuesFile(f).call());
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A rendering of a shipped profile alone, named "chart with PROFILE". */
    public static KustomizeRender render(String profile) {
        return render("chart with " + profile, profile, Map.of(), Map.of());
    }

    /**
     * {@code helm lint --strict} of the chart with a profile's values. Helm-java's lint takes no
     * values file, so the profile is merged into values.yaml as Helm merges values files (maps
     * key by key, anything else replaced) in a copy of the chart, which is linted.
     */
    public static LintResult lint(String profile) {
        Path copy = null;
        try {
            copy = Files.createTempDirectory("gpuscale-chart");
            Path chart = copy.resolve("gpuscale");
            copyTree(dir(), chart);
            if (!profile.equals("values.yaml")) {
                Map<String, Object> merged = merge(load(file("values.yaml")), load(file(profile)));
                DumperOptions options = new DumperOptions();
                options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
                Files.writeString(chart.resolve("values.yaml"),
                        new Yaml(new Representer(options), options).dump(merged));
            }
            return new Helm(chart).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (copy != null) {
                deleteTree(copy);
            }
        }
    }

    /** A YAML file as a map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> load(Path file) {
        try {
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
            return o == null ? new LinkedHashMap<>() : (Map<String, Object>) o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Helm's merge of a values file over values: maps merged key by key, other values replaced, null removes. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        for (Map.Entry<String, Object> e : over.entrySet()) {
            Object old = out.get(e.getKey());
            if (e.getValue() == null) {
                out.remove(e.getKey());
            } else if (old instanceof Map<?, ?> a && e.getValue() instanceof Map<?, ?> b) {
                out.put(e.getKey(), merge((Map<String, Object>) a, (Map<String, Object>) b));
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
