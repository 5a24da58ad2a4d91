package io.gpuscale.adapter.cluster;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;

/**
 * What the informers cache in place of a full Kubernetes object: its key and our records of it.
 * The informer's cache needs a {@link KubernetesObject} with metadata to key it by; the metadata
 * is made on demand, so no client model object stays behind.
 *
 * @param <T> the records kept
 */
final class CachedObject<T> implements KubernetesObject {
    private final String namespace;
    private final String name;
    private final T value;

    CachedObject(String namespace, String name, T value) {
        this.namespace = namespace;
        this.name = name;
        this.value = value;
    }

    T value() {
        return value;
    }

    @Override
    public V1ObjectMeta getMetadata() {
        return new V1ObjectMeta().namespace(namespace).name(name);
    }

    @Override
    public String getApiVersion() {
        return "v1";
    }

    @Override
    public String getKind() {
        return "gpuscale.CachedObject";
    }
}
