package io.gpuscale.deploy;

import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import io.kubernetes.client.openapi.models.V2MetricSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The example files users apply next to the kustomizations: the seed HPA and the home lab's workload. */
final class KustomizeExamples {
    static final String SEED_HPA = "examples/hpa-gpu-utilization.yaml";
    static final String HOME_LAB_WORKLOAD = "overlays/k3s-home-lab/example-workload.yaml";

    private KustomizeExamples() {
    }

    /** A file under deploy/, parsed and strictly decoded like a rendering. */
    static KustomizeRender file(String underDeploy) {
        try {
            List<Manifests.Obj> objs = Manifests.parse(Files.readString(Manifests.deploy().resolve(underDeploy)));
            java.util.Map<Manifests.Obj, Object> models = new java.util.LinkedHashMap<>();
            for (Manifests.Obj o : objs) {
                Object m = Manifests.decodeStrict(o);
                if (m != null) {
                    models.put(o, m);
                }
            }
            return new KustomizeRender(underDeploy, objs, models);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The HPAs of both example files. */
    static List<V2HorizontalPodAutoscaler> hpas() {
        List<V2HorizontalPodAutoscaler> out = new ArrayList<>();
        for (String f : List.of(SEED_HPA, HOME_LAB_WORKLOAD)) {
            KustomizeRender r = file(f);
            r.ofKind("HorizontalPodAutoscaler").forEach(o -> out.add(r.model(o, V2HorizontalPodAutoscaler.class)));
        }
        return out;
    }

    /** The names of the Pods metrics the example HPAs scale on, e.g. nvidia_gpu_utilization_percent. */
    static List<String> hpaPodMetrics() {
        List<String> out = new ArrayList<>();
        for (V2HorizontalPodAutoscaler h : hpas()) {
            for (V2MetricSpec m : h.getSpec().getMetrics()) {
                if ("Pods".equals(m.getType())) {
                    out.add(m.getPods().getMetric().getName());
                }
            }
        }
        if (out.isEmpty()) {
            throw new AssertionError("the example HPAs scale on no Pods metric");
        }
        return out.stream().distinct().toList();
    }
}
