package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.ContainerResources;
import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.QuotaRecord;
import io.gpuscale.adapter.cluster.Taint;
import io.gpuscale.adapter.cluster.Toleration;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import io.kubernetes.client.openapi.models.V1NodeSelector;
import io.kubernetes.client.openapi.models.V1NodeSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import io.kubernetes.client.openapi.models.V1PreferredSchedulingTerm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Short builders for the advisor's test tables: pods, nodes, quotas and node affinity. */
final class Build {
    private Build() {
    }

    /** {@code "cpu=1,memory=2Gi"} as a resource list; empty string for none. */
    static Map<String, Quantity> res(String spec) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            out.put(kv[0], new Quantity(kv[1]));
        }
        return out;
    }

    /** {@code "a=b,c=d"} as labels. */
    static Map<String, String> labels(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            out.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return out;
    }

    /** {@code "key=value:Effect"} or {@code "key:Effect"}. */
    static Taint taint(String spec) {
        int colon = spec.lastIndexOf(':');
        String kv = spec.substring(0, colon);
        int eq = kv.indexOf('=');
        return eq < 0 ? new Taint(kv, "", spec.substring(colon + 1))
                : new Taint(kv.substring(0, eq), kv.substring(eq + 1), spec.substring(colon + 1));
    }

    static Toleration tol(String key, String operator, String value, String effect) {
        return new Toleration(key, operator, value, effect, null);
    }

    static PodBuilder pod(String name) {
        return new PodBuilder(name);
    }

    static NodeBuilder node(String name) {
        return new NodeBuilder(name);
    }

    static V1NodeSelectorRequirement expr(String key, String op, String... values) {
        return new V1NodeSelectorRequirement().key(key).operator(op).values(values.length == 0 ? null : List.of(values));
    }

    static V1NodeSelectorTerm term(V1NodeSelectorRequirement... exprs) {
        return new V1NodeSelectorTerm().matchExpressions(Arrays.asList(exprs));
    }

    static V1NodeSelectorTerm fields(V1NodeSelectorRequirement... exprs) {
        return new V1NodeSelectorTerm().matchFields(Arrays.asList(exprs));
    }

    static V1NodeAffinity required(V1NodeSelectorTerm... terms) {
        return new V1NodeAffinity().requiredDuringSchedulingIgnoredDuringExecution(
                new V1NodeSelector().nodeSelectorTerms(Arrays.asList(terms)));
    }

    static V1PreferredSchedulingTerm preferred(int weight, V1NodeSelectorTerm term) {
        return new V1PreferredSchedulingTerm().weight(weight).preference(term);
    }

    static V1NodeAffinity preferring(V1PreferredSchedulingTerm... terms) {
        return new V1NodeAffinity().preferredDuringSchedulingIgnoredDuringExecution(Arrays.asList(terms));
    }

    static QuotaRecord quota(String namespace, String name, String hard, String used, List<String> scopes) {
        return new QuotaRecord(namespace, name, res(hard), res(used), scopes, res(hard), List.of());
    }

    static final class PodBuilder {
        private String namespace = "default";
        private final String name;
        private String nodeName = "";
        private final List<ContainerResources> containers = new ArrayList<>();
        private final List<ContainerResources> inits = new ArrayList<>();
        private Map<String, Quantity> overhead = Map.of();
        private Map<String, String> selector = Map.of();
        private final List<Toleration> tolerations = new ArrayList<>();
        private V1NodeAffinity affinity;
        private String phase = "";
        private String priorityClass = "";
        private Long deadline;
        private Map<String, Quantity> podRequests = Map.of();
        private Map<String, Quantity> podLimits = Map.of();

        PodBuilder(String name) {
            this.name = name;
        }

        PodBuilder ns(String ns) {
            this.namespace = ns;
            return this;
        }

        PodBuilder on(String node) {
            this.nodeName = node;
            return this;
        }

        /** A container with these requests (no limits). */
        PodBuilder req(String requests) {
            containers.add(new ContainerResources("c" + containers.size(), res(requests), Map.of(), false));
            return this;
        }

        /** A container with these requests and limits. */
        PodBuilder container(String cname, String requests, String limits) {
            containers.add(new ContainerResources(cname, res(requests), res(limits), false));
            return this;
        }

        PodBuilder init(String requests) {
            inits.add(new ContainerResources("init" + inits.size(), res(requests), Map.of(), false));
            return this;
        }

        PodBuilder initContainer(String cname, String requests, String limits) {
            inits.add(new ContainerResources(cname, res(requests), res(limits), false));
            return this;
        }

        PodBuilder sidecar(String requests) {
            inits.add(new ContainerResources("sidecar" + inits.size(), res(requests), Map.of(), true));
            return this;
        }

        PodBuilder overhead(String o) {
            this.overhead = res(o);
            return this;
        }

        PodBuilder selector(String s) {
            this.selector = Build.labels(s);
            return this;
        }

        PodBuilder tolerate(String key, String operator, String value, String effect) {
            tolerations.add(tol(key, operator, value, effect));
            return this;
        }

        PodBuilder affinity(V1NodeAffinity a) {
            this.affinity = a;
            return this;
        }

        PodBuilder phase(String p) {
            this.phase = p;
            return this;
        }

        PodBuilder priorityClass(String pc) {
            this.priorityClass = pc;
            return this;
        }

        PodBuilder deadline(long seconds) {
            this.deadline = seconds;
            return this;
        }

        PodBuilder podLevel(String requests, String limits) {
            this.podRequests = res(requests);
            this.podLimits = res(limits);
            return this;
        }

        PodSchedulingRecord build() {
            return new PodSchedulingRecord(namespace, name, nodeName, "", 0, containers, inits, overhead, selector,
                    tolerations, affinity, phase, priorityClass, deadline, podRequests, podLimits);
        }
    }

    static final class NodeBuilder {
        private final String name;
        private Map<String, String> labels = Map.of();
        private Map<String, Quantity> allocatable = res("cpu=32,memory=64Gi,pods=110");
        private final List<Taint> taints = new ArrayList<>();
        private boolean unschedulable;

        NodeBuilder(String name) {
            this.name = name;
        }

        NodeBuilder labels(String l) {
            this.labels = Build.labels(l);
            return this;
        }

        NodeBuilder alloc(String a) {
            this.allocatable = res(a);
            return this;
        }

        NodeBuilder taint(String t) {
            taints.add(Build.taint(t));
            return this;
        }

        NodeBuilder cordoned() {
            this.unschedulable = true;
            return this;
        }

        NodeSchedulingRecord build() {
            return new NodeSchedulingRecord(name, labels, allocatable, allocatable, taints, unschedulable);
        }
    }
}
