package io.gpuscale.deploy;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1LabelSelectorRequirement;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One rendering of deploy/ by kustomize (an overlay, base, or base with components), its objects
 * parsed and decoded strictly, with the lookups the checks share.
 *
 * @param name what was rendered, e.g. "overlays/prod" or "base + components/scheduler-extender"
 * @param objects the rendered objects, in order
 * @param models each object decoded into the client's model class (absent for custom resources)
 */
public record KustomizeRender(String name, List<Manifests.Obj> objects, Map<Manifests.Obj, Object> models) {

    /** Components that only make sense on top of another one: extender-mtls configures the extender. */
    private static final Map<String, List<String>> NEEDS = Map.of("extender-mtls", List.of("scheduler-extender"));

    /** Renders a directory under deploy/, e.g. "overlays/dev" or "base". */
    public static KustomizeRender of(String dirUnderDeploy) {
        return of(dirUnderDeploy, Manifests.kustomize(Manifests.deploy().resolve(dirUnderDeploy)));
    }

    /**
     * base with the given components (names under deploy/components), in that order, through a
     * kustomization written under deploy/target/kustomize/ (kustomize loads components only from
     * a kustomization file).
     */
    public static KustomizeRender baseWith(List<String> components) {
        String key = "base+" + String.join("+", components);
        Path dir = Manifests.deploy().resolve("target").resolve("kustomize").resolve(key);
        StringBuilder k = new StringBuilder("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                components:
                """.formatted(rel(dir, "base")));
        for (String c : components) {
            k.append("  - ").append(rel(dir, "components/" + c)).append('\n');
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("kustomization.yaml"), k.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String name = "base + " + String.join(" + ", components.stream().map(c -> "components/" + c).toList());
        return of(name, Manifests.kustomize(dir));
    }

    private static String rel(Path from, String underDeploy) {
        return from.relativize(Manifests.deploy().resolve(underDeploy)).toString();
    }

    private static KustomizeRender of(String name, String yaml) {
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

    /** The directories directly under deploy/DIR that hold a kustomization, sorted. */
    public static List<String> kustomizations(String dir) {
        try (Stream<Path> s = Files.list(Manifests.deploy().resolve(dir))) {
            return s.filter(p -> Files.isRegularFile(p.resolve("kustomization.yaml")))
                    .map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every component with what it needs before it: e.g. [scheduler-extender, extender-mtls]. */
    public static List<List<String>> componentSets() {
        List<List<String>> out = new ArrayList<>();
        for (String c : kustomizations("components")) {
            List<String> set = new ArrayList<>(NEEDS.getOrDefault(c, List.of()));
            set.add(c);
            out.add(set);
        }
        return out;
    }

    /** Every component at once, each after what it needs. */
    public static List<String> allComponents() {
        List<String> out = new ArrayList<>();
        for (List<String> set : componentSets()) {
            set.stream().filter(c -> !out.contains(c)).forEach(out::add);
        }
        return out;
    }

    /** Every rendering the suite checks: base, every overlay, base with each component, base with all. */
    public static List<KustomizeRender> all() {
        List<KustomizeRender> out = new ArrayList<>();
        out.add(of("base"));
        for (String o : kustomizations("overlays")) {
            out.add(of("overlays/" + o));
        }
        for (List<String> set : componentSets()) {
            out.add(baseWith(set));
        }
        out.add(baseWith(allComponents()));
        return out;
    }

    @Override
    public String toString() {
        return name;
    }

    public List<Manifests.Obj> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.kind())).toList();
    }

    /** The one object of this kind and name, or an AssertionError. */
    public Manifests.Obj get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(this.name + " has no " + kind + " " + name));
    }

    public java.util.Optional<Manifests.Obj> find(String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.kind()) && name.equals(o.name())).findFirst();
    }

    @SuppressWarnings("unchecked")
    public <T> T model(Manifests.Obj o, Class<T> type) {
        Object m = models.get(o);
        if (!type.isInstance(m)) {
            throw new AssertionError(o.id() + " is not a " + type.getSimpleName());
        }
        return (T) m;
    }

    public V1Deployment adapter() {
        return model(get("Deployment", "gpuscale-adapter"), V1Deployment.class);
    }

    public V1DaemonSet agent() {
        return model(get("DaemonSet", "gpuscale-agent"), V1DaemonSet.class);
    }

    /** A workload's pod template, with where it comes from. */
    public record Workload(Manifests.Obj obj, V1PodTemplateSpec template) {
        public String namespace() {
            return obj.namespace();
        }

        public Map<String, String> labels() {
            return Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of());
        }

        public List<V1Container> allContainers() {
            List<V1Container> all = new ArrayList<>(template.getSpec().getContainers());
            if (template.getSpec().getInitContainers() != null) {
                all.addAll(template.getSpec().getInitContainers());
            }
            return all;
        }
    }

    /** Every pod template of the render (Deployments, DaemonSets, StatefulSets). */
    public List<Workload> workloads() {
        List<Workload> out = new ArrayList<>();
        models.forEach((o, m) -> {
            if (m instanceof V1Deployment d) {
                out.add(new Workload(o, d.getSpec().getTemplate()));
            } else if (m instanceof V1DaemonSet d) {
                out.add(new Workload(o, d.getSpec().getTemplate()));
            } else if (m instanceof io.kubernetes.client.openapi.models.V1StatefulSet s) {
                out.add(new Workload(o, s.getSpec().getTemplate()));
            }
        });
        return out;
    }

    /** The workloads in this namespace whose pods a selector matches. */
    public List<Workload> selected(String namespace, V1LabelSelector selector) {
        return workloads().stream()
                .filter(w -> Objects.equals(w.namespace(), namespace) && matches(selector, w.labels())).toList();
    }

    /** The workloads in this namespace whose pods a Service's map selector matches. */
    public List<Workload> selected(String namespace, Map<String, String> selector) {
        return selected(namespace, new V1LabelSelector().matchLabels(selector));
    }

    /** Label selector semantics (matchLabels and matchExpressions ANDed; an empty selector matches all). */
    public static boolean matches(V1LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (V1LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String v = labels.get(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> v != null && r.getValues().contains(v);
                    case "NotIn" -> v == null || !r.getValues().contains(v);
                    case "Exists" -> v != null;
                    case "DoesNotExist" -> v == null;
                    default -> throw new AssertionError("unknown selector operator " + r.getOperator());
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }
}
