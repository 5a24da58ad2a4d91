package io.gpuscale.adapter.api;

/**
 * The object a custom metric describes ({@code describedObject}, a core ObjectReference).
 * {@code apiVersion} is {@code "/v1"} for core objects, as custom-metrics-apiserver writes it
 * (group + "/" + version with an empty group); consumers read only the name.
 *
 * @param kind {@code Pod}, {@code Node} or {@code Namespace}
 * @param namespace the object's namespace, or null for cluster-scoped objects
 * @param name the object's name
 */
public record ObjectReference(String kind, String namespace, String name) {
    public static final String CORE_API_VERSION = "/v1";

    public static ObjectReference pod(String namespace, String name) {
        return new ObjectReference("Pod", namespace, name);
    }

    public static ObjectReference node(String name) {
        return new ObjectReference("Node", null, name);
    }

    public static ObjectReference namespace(String name) {
        return new ObjectReference("Namespace", null, name);
    }

    void write(JsonText json) {
        json.begin().field("kind", kind);
        if (namespace != null) {
            json.field("namespace", namespace);
        }
        json.field("name", name).field("apiVersion", CORE_API_VERSION).end();
    }
}
