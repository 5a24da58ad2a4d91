package io.gpuscale.adapter.scrape;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** EndpointSlices as kube-apiserver serves them, for the agent-discovery tests. */
final class EndpointSlices {
    private EndpointSlices() {
    }

    /** One endpoint: address, node, ready. */
    record Endpoint(String address, String node, Boolean ready) {
    }

    static JsonObject slice(String namespace, String name, String service, String addressType, String portName, int port,
            Endpoint... endpoints) {
        JsonArray eps = new JsonArray();
        for (Endpoint e : endpoints) {
            JsonObject ep = new JsonObject().put("addresses", new JsonArray().add(e.address())).put("nodeName", e.node());
            if (e.ready() != null) {
                ep.put("conditions", new JsonObject().put("ready", e.ready()));
            }
            eps.add(ep);
        }
        return new JsonObject().put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name)
                        .put("labels", new JsonObject().put("kubernetes.io/service-name", service)))
                .put("addressType", addressType)
                .put("endpoints", eps)
                .put("ports", new JsonArray().add(new JsonObject().put("name", portName).put("port", port).put("protocol", "TCP")));
    }
}
