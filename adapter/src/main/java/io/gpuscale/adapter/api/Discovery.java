package io.gpuscale.adapter.api;

import io.gpuscale.adapter.metrics.ServedMetric;
import java.util.ArrayList;
import java.util.List;

/**
 * The discovery documents: {@code /apis} (APIGroupList), {@code /apis/<group>} (APIGroup) and
 * {@code /apis/<group>/<version>} (APIResourceList, what kube-aggregator's availability probe reads).
 *
 * <p>Resource lists are never empty (client-go ≥ 0.26 warns "Got empty response" otherwise) and each
 * resource has one scope: {@code pods/<metric>} namespaced, {@code nodes/<metric>} and
 * {@code namespaces/<metric>} not (the aggregator's conversion to aggregated discovery fails when a
 * parent's and a child's scopes differ).
 */
public final class Discovery {
    private final boolean external;

    /** @param external whether external.metrics.k8s.io is served */
    public Discovery(boolean external) {
        this.external = external;
    }

    /** One version of a group ({@code GroupVersionForDiscovery}). */
    public record GroupVersion(String group, String version) {
        String groupVersion() {
            return group + "/" + version;
        }

        void write(JsonText json) {
            json.begin().field("groupVersion", groupVersion()).field("version", version).end();
        }
    }

    /** {@code APIGroup}: a group's versions, the preferred one first. */
    public record Group(String name, List<GroupVersion> versions) implements JsonDocument {
        public Group {
            versions = List.copyOf(versions);
        }

        void writeBody(JsonText json) {
            json.field("name", name).key("versions").beginArray();
            versions.forEach(v -> v.write(json));
            json.endArray().key("preferredVersion");
            versions.get(0).write(json);
        }

        @Override
        public void write(JsonText json) {
            json.begin().field("kind", "APIGroup").field("apiVersion", "v1");
            writeBody(json);
            json.end();
        }
    }

    /** {@code APIGroupList}. */
    public record GroupList(List<Group> groups) implements JsonDocument {
        public GroupList {
            groups = List.copyOf(groups);
        }

        @Override
        public void write(JsonText json) {
            json.begin().field("kind", "APIGroupList").field("apiVersion", "v1").key("groups").beginArray();
            for (Group g : groups) {
                json.begin();
                g.writeBody(json);
                json.end();
            }
            json.endArray().end();
        }
    }

    /** One entry of an {@code APIResourceList}. */
    public record Resource(String name, boolean namespaced, String kind) {
        void write(JsonText json) {
            json.begin()
                    .field("name", name)
                    .field("singularName", "")
                    .field("namespaced", namespaced)
                    .field("kind", kind)
                    .key("verbs").beginArray().value("get").endArray()
                    .end();
        }
    }

    /** {@code APIResourceList} of one group version. */
    public record ResourceList(GroupVersion groupVersion, List<Resource> resources) implements JsonDocument {
        public ResourceList {
            resources = List.copyOf(resources);
        }

        @Override
        public void write(JsonText json) {
            json.begin()
                    .field("kind", "APIResourceList")
                    .field("apiVersion", "v1")
                    .field("groupVersion", groupVersion.groupVersion())
                    .key("resources").beginArray();
            resources.forEach(r -> r.write(json));
            json.endArray().end();
        }
    }

    public GroupList groups() {
        List<Group> groups = new ArrayList<>();
        groups.add(customGroup());
        if (external) {
            groups.add(externalGroup());
        }
        return new GroupList(groups);
    }

    /** custom.metrics.k8s.io: v1beta2 preferred, as the HPA picks the preferred version. */
    public Group customGroup() {
        return new Group(CustomMetricsApi.GROUP, List.of(
                new GroupVersion(CustomMetricsApi.GROUP, CustomMetricsApi.V1BETA2),
                new GroupVersion(CustomMetricsApi.GROUP, CustomMetricsApi.V1BETA1)));
    }

    public Group externalGroup() {
        return new Group(ExternalMetricsApi.GROUP,
                List.of(new GroupVersion(ExternalMetricsApi.GROUP, ExternalMetricsApi.VERSION)));
    }

    /** Every served custom metric for pods, nodes and namespaces. */
    public ResourceList customResources(String version) {
        List<Resource> out = new ArrayList<>();
        for (ServedMetric m : ServedMetric.forPods()) {
            out.add(new Resource("pods/" + m.name(), true, "MetricValueList"));
        }
        for (ServedMetric m : ServedMetric.forNodes()) {
            out.add(new Resource("nodes/" + m.name(), false, "MetricValueList"));
        }
        for (ServedMetric m : ServedMetric.forPods()) {
            out.add(new Resource("namespaces/" + m.name(), false, "MetricValueList"));
        }
        return new ResourceList(new GroupVersion(CustomMetricsApi.GROUP, version), out);
    }

    public ResourceList externalResources() {
        List<Resource> out = new ArrayList<>();
        for (ExternalMetric m : ExternalMetric.values()) {
            out.add(new Resource(m.metricName(), true, "ExternalMetricValueList"));
        }
        return new ResourceList(new GroupVersion(ExternalMetricsApi.GROUP, ExternalMetricsApi.VERSION), out);
    }
}
