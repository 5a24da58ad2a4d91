package io.gpuscale.deploy;

import io.kubernetes.client.openapi.models.V1EnvVar;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A container's environment as the kubelet would give it, with the downward API's fields filled in. */
final class PodEnv {
    /** What the kubelet would put in for each field a manifest reads (the test's stand-in pod). */
    static final Map<String, String> FIELDS = Map.of(
            "spec.nodeName", "gpu-node-1",
            "metadata.name", "gpuscale-adapter-5d8c9b7f6-x2x7q",
            "metadata.namespace", "gpuscale-system",
            "status.podIP", "127.0.0.1",
            "status.hostIP", "127.0.0.1");

    private PodEnv() {
    }

    static Map<String, String> of(List<V1EnvVar> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (V1EnvVar e : Objects.requireNonNullElse(env, List.<V1EnvVar>of())) {
            if (e.getValueFrom() == null) {
                out.put(e.getName(), e.getValue());
                continue;
            }
            String field = e.getValueFrom().getFieldRef() == null ? null : e.getValueFrom().getFieldRef().getFieldPath();
            String value = FIELDS.get(field);
            if (value == null) {
                throw new AssertionError("env " + e.getName() + ": the test has no stand-in for " + e.getValueFrom());
            }
            out.put(e.getName(), value);
        }
        return out;
    }
}
