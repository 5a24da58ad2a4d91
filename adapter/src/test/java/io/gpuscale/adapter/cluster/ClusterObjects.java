package io.gpuscale.adapter.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** Pods, nodes and quotas as kube-apiserver serves them, for the cluster view's tests. */
final class ClusterObjects {
    private ClusterObjects() {
    }

    static JsonObject pod(String namespace, String name, String nodeName, Map<String, String> labels) {
        JsonObject l = new JsonObject();
        labels.forEach(l::put);
        return new JsonObject()
                .put("apiVersion", "v1")
                .put("kind", "Pod")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name).put("uid", "uid-" + name)
                        .put("labels", l)
                        .put("managedFields", new JsonArray().add(new JsonObject().put("manager", "kubectl")
                                .put("operation", "Update").put("apiVersion", "v1")
                                .put("fieldsType", "FieldsV1").put("fieldsV1", new JsonObject().put("f:metadata", new JsonObject()))))
                        .put("annotations", new JsonObject().put("note", "x".repeat(512))))
                .put("spec", new JsonObject().put("nodeName", nodeName).put("containers", new JsonArray()
                        .add(new JsonObject().put("name", "main").put("image", "cuda:12").put("resources",
                                new JsonObject().put("requests", new JsonObject().put("nvidia.com/gpu", "1"))))))
                .put("status", new JsonObject().put("phase", "Running"));
    }

    static JsonObject node(String name, int gpus) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "Node")
                .put("metadata", new JsonObject().put("name", name).put("labels", new JsonObject().put("gpu", "yes")))
                .put("status", new JsonObject().put("allocatable", new JsonObject().put("nvidia.com/gpu", String.valueOf(gpus))));
    }

    static JsonObject quota(String namespace, String name, int gpus) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "ResourceQuota")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name))
                .put("spec", new JsonObject().put("hard", new JsonObject().put("requests.nvidia.com/gpu", String.valueOf(gpus))));
    }
}
