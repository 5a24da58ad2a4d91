package io.gpuscale.agent.pods;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Pods as kube-apiserver serves them, for the agent's pod-list tests. */
final class PodObjects {
    private PodObjects() {
    }

    static JsonObject pod(String namespace, String name, String uid, String nodeName, String phase) {
        return new JsonObject()
                .put("apiVersion", "v1")
                .put("kind", "Pod")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name).put("uid", uid)
                        .put("labels", new JsonObject().put("app", name))
                        .put("annotations", new JsonObject().put("note", "x".repeat(512))))
                .put("spec", new JsonObject().put("nodeName", nodeName).put("containers", new JsonArray()
                        .add(new JsonObject().put("name", "main").put("image", "cuda:12"))))
                .put("status", new JsonObject().put("phase", phase));
    }
}
